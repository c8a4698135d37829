import { AsyncLocalStorage } from 'node:async_hooks';

import { type Caller } from '../auth/caller';

/** Ids every log line of a request or job carries (never names, addresses or content). */
export type LogFields = Readonly<Record<string, string>>;

interface RequestScope {
  requestId: string;
  caller?: Caller;
  log?: LogFields;
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
  logFields(): LogFields | undefined {
    return storage.getStore()?.log;
  },
  caller(): Caller | undefined {
    return storage.getStore()?.caller;
  },
  setCaller(caller: Caller): void {
    const scope = storage.getStore();
    if (scope) scope.caller = caller;
  },
};
