import Bull from 'bull';

type Namer = (this: Bull.Queue) => Promise<void>;
const patched = Symbol.for('rox365.bull.workerNameTolerated');

/**
 * Bull 4 names a worker's blocking connection (`CLIENT SETNAME`) on every `process()` call and
 * neither awaits nor catches the answer. A queue with several named processors sends the later
 * names behind the blocking read that the first one started, so a worker closed before that read
 * returns fails them with "Connection is closed": unhandled rejections, which end a Node process.
 * The name only labels the connection for `getWorkers()`, so a failure to set it is dropped.
 * Idempotent; called before any queue processes.
 */
export function tolerateWorkerNameFailures(): void {
  const proto = Bull.prototype as unknown as Record<PropertyKey, unknown> & {
    setWorkerName: Namer;
  };
  if (proto[patched]) return;
  const setWorkerName = proto.setWorkerName;
  proto.setWorkerName = function (this: Bull.Queue) {
    return setWorkerName.call(this).catch(() => undefined);
  };
  proto[patched] = true;
}
