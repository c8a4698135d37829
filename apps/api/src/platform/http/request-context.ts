import { AsyncLocalStorage } from 'node:async_hooks';

import { type Caller } from '../auth/caller';

interface RequestScope {
  requestId: string;
  caller?: Caller;
}

// One store per request (or per job), so audit entries and logs pick up the request id
// without threading it through every call.
const storage = new AsyncLocalStorage<RequestScope>();

export const requestContext = {
  run<T>(scope: RequestScope, fn: () => T): T {
    return storage.run(scope, fn);
  },
  requestId(): string | undefined {
    return storage.getStore()?.requestId;
  },
  caller(): Caller | undefined {
    return storage.getStore()?.caller;
  },
  setCaller(caller: Caller): void {
    const scope = storage.getStore();
    if (scope) scope.caller = caller;
  },
};
