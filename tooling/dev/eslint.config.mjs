import { baseConfig } from '@rox365/config-eslint/base';

export default baseConfig(import.meta.dirname);
