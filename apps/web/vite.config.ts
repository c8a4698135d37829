import vue from '@vitejs/plugin-vue';
import { defaultClientConditions, defineConfig, loadEnv } from 'vite';

// Workspace packages resolve to their TypeScript sources under the "@rox365/source" condition.
export const conditions = ['@rox365/source', ...defaultClientConditions];

export default defineConfig(({ mode }) => {
  // ROX_WEB_API_TARGET (from the shell or a .env file) points the dev proxy at another API.
  const env = loadEnv(mode, import.meta.dirname, 'ROX_WEB_');
  const apiTarget = env.ROX_WEB_API_TARGET ?? 'http://127.0.0.1:3000';
  return {
    plugins: [vue()],
    resolve: { conditions },
    server: {
      host: '127.0.0.1',
      port: 5173,
      strictPort: true,
      proxy: { '/api': { target: apiTarget, changeOrigin: false } },
    },
    preview: { proxy: { '/api': { target: apiTarget } } },
  };
});
