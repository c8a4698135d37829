import { afterEach } from 'vitest';

// Each test starts signed out with an empty session store.
afterEach(() => {
  if (typeof sessionStorage !== 'undefined') sessionStorage.clear();
});
