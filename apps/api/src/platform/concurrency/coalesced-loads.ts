/**
 * Shares one load of a key among the callers that ask while an earlier load of it is running:
 * they wait for the next load, which starts when the running one ends. Every caller gets an
 * answer read after it asked (so a caller that has just written sees its write), and a key never
 * has more than one load running and one waiting, however many callers ask at once. For reads
 * that cost the database more than a page, such as an org's status, polled by every open console.
 */
export class CoalescedLoads<V> {
  private readonly running = new Map<string, Promise<V>>();
  private readonly waiting = new Map<string, Promise<V>>();

  load(key: string, run: () => Promise<V>): Promise<V> {
    const waiting = this.waiting.get(key);
    if (waiting) return waiting;
    const running = this.running.get(key);
    if (!running) return this.start(key, run);
    const next = running
      .catch(() => undefined)
      .then(() => {
        this.waiting.delete(key);
        return this.start(key, run);
      });
    this.waiting.set(key, next);
    return next;
  }

  private start(key: string, run: () => Promise<V>): Promise<V> {
    const loading = run().finally(() => {
      if (this.running.get(key) === loading) this.running.delete(key);
    });
    this.running.set(key, loading);
    return loading;
  }
}
