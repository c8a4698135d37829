import { vueConfig } from '@rox365/config-eslint/vue';

export default vueConfig(import.meta.dirname);
