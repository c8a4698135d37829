// Flat config for the Vue SPA: the base TypeScript rules plus Vue's recommended set.
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import vueParser from 'vue-eslint-parser';

import { baseConfig } from './base.js';

/** @param {string} tsconfigRootDir */
export function vueConfig(tsconfigRootDir) {
  return tseslint.config(
    ...baseConfig(tsconfigRootDir),
    ...pluginVue.configs['flat/recommended'],
    {
      files: ['**/*.vue'],
      languageOptions: {
        parser: vueParser,
        parserOptions: {
          parser: tseslint.parser,
          projectService: true,
          tsconfigRootDir,
          extraFileExtensions: ['.vue'],
        },
      },
    },
    {
      languageOptions: { globals: { ...globals.browser } },
      rules: {
        'vue/multi-word-component-names': 'off',
        // Prettier owns formatting.
        'vue/max-attributes-per-line': 'off',
        'vue/singleline-html-element-content-newline': 'off',
        'vue/html-self-closing': 'off',
        'vue/html-indent': 'off',
        'vue/html-closing-bracket-newline': 'off',
        'vue/multiline-html-element-content-newline': 'off',
      },
    },
  );
}
