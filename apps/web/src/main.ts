import './shared/styles/base.css';

import { createPinia } from 'pinia';
import { createApp } from 'vue';

import { configureHttp } from './api/http';
import App from './App.vue';
import { useAuthStore } from './features/auth/auth.store';
import { createAppRouter } from './router';
import { storeRegistryPlugin } from './store-registry';

const pinia = createPinia();
pinia.use(storeRegistryPlugin);
const app = createApp(App).use(pinia);

const auth = useAuthStore();
const router = createAppRouter(() => ({ isSignedIn: auth.isSignedIn, isAdmin: auth.isAdmin }));

// The session is an HttpOnly cookie (see docs/web.md): no token here, only the 401 hook.
configureHttp({
  isSignedIn: () => auth.isSignedIn,
  onUnauthorized: () => {
    void auth.signOut({ expired: true });
    void router.push({ name: 'sign-in' });
  },
});

// Every tab asks the API who this browser is signed in as before the first navigation.
void auth.restore().finally(() => {
  app.use(router);
  app.mount('#app');
});
