import { flushPromises, mount } from '@vue/test-utils';
import { type Pinia } from 'pinia';
import { type Component } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';

/**
 * Mounts a view as the app would host it: with the given Pinia, a router that accepts any path
 * (pushed to `path` first when given), attached to the document, once pending requests settle.
 */
export async function mountInApp(component: Component, pinia: Pinia, path?: string) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/:rest(.*)*', component: { template: '<div />' } }],
  });
  if (path) await router.push(path);
  const wrapper = mount(component, {
    global: { plugins: [pinia, router] },
    attachTo: document.body,
  });
  await flushPromises();
  return wrapper;
}
