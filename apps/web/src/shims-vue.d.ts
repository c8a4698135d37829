// Lets plain TypeScript tooling (ESLint's type-aware rules) import single-file components;
// vue-tsc type-checks the real components.
declare module '*.vue' {
  import { type DefineComponent } from 'vue';

  const component: DefineComponent;
  export default component;
}
