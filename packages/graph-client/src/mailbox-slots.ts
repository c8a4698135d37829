/** Slots held for one or more requests to a mailbox; release them exactly once. */
export interface MailboxLease {
  /**
   * `settled`: the mailbox answered without throttling, so after a pause it may run at full
   * width again. Anything else (a throttle, an error, no answer) leaves it as it was.
   */
  release(outcome?: 'settled'): Promise<void>;
}

/**
 * Outlook's per app + mailbox budget: at most `maxConcurrent` requests in flight, and a pause
 * after a Retry-After that holds back every request to that mailbox (and only that mailbox).
 * When a pause ends the mailbox resumes with one request (or one `$batch`) at a time until an
 * answer settles it: requests released together would all land on a mailbox that may still be
 * throttled, and one of them answered "wait" makes the others early.
 *
 * The default ({@link InProcessMailboxSlots}) counts within one process. A deployment with
 * several worker processes passes a shared implementation (e.g. on Redis) through
 * `GraphClientConfig.mailboxSlots`, so the budget holds across all of them.
 */
export interface MailboxSlots {
  /** Requests allowed in flight per key. */
  readonly maxConcurrent: number;
  /**
   * Waits until the key is not paused and `count` slots are free (capped at `maxConcurrent`),
   * then holds them. A `$batch` asks for one slot per item addressed to the mailbox.
   */
  acquire(key: string, count: number): Promise<MailboxLease>;
  /** Holds back new acquisitions for the key for `delayMs` (the later of two pauses wins). */
  pause(key: string, delayMs: number): Promise<void>;
  /**
   * How long the key stays paused (0: not). A `$batch` holding several mailboxes' slots asks
   * again just before it goes out: one of them may have been paused while it waited for another.
   */
  pausedForMs(key: string): Promise<number>;
}

interface Waiter {
  readonly count: number;
  readonly resolve: () => void;
}

interface KeyState {
  held: number;
  readonly waiting: Waiter[];
  pausedUntilMs: number;
  /** Paused since the last settled answer: one holder at a time. */
  probing: boolean;
}

/** One process's slots: a counting semaphore and a pause deadline per key. */
export class InProcessMailboxSlots implements MailboxSlots {
  private readonly keys = new Map<string, KeyState>();

  constructor(
    readonly maxConcurrent: number,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1)
      throw new RangeError('maxConcurrent must be a positive integer');
  }

  async acquire(key: string, count: number): Promise<MailboxLease> {
    const wanted = Math.max(1, Math.min(count, this.maxConcurrent));
    for (;;) {
      await this.waitForPause(key);
      await this.take(key, wanted);
      // A pause set while we queued applies to us too.
      if (this.state(key).pausedUntilMs <= this.now()) break;
      this.give(key, wanted);
    }
    let isReleased = false;
    return {
      release: (outcome) => {
        if (!isReleased) {
          isReleased = true;
          // An answer to a request sent before a pause that is still running settles nothing.
          const state = this.state(key);
          if (outcome === 'settled' && state.pausedUntilMs <= this.now()) state.probing = false;
          this.give(key, wanted);
        }
        return Promise.resolve();
      },
    };
  }

  pause(key: string, delayMs: number): Promise<void> {
    const state = this.state(key);
    state.pausedUntilMs = Math.max(state.pausedUntilMs, this.now() + delayMs);
    state.probing = true;
    return Promise.resolve();
  }

  pausedForMs(key: string): Promise<number> {
    return Promise.resolve(Math.max(0, (this.keys.get(key)?.pausedUntilMs ?? 0) - this.now()));
  }

  /** Slots held for a key (diagnostics and tests). */
  inFlight(key: string): number {
    return this.keys.get(key)?.held ?? 0;
  }

  private state(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      state = { held: 0, waiting: [], pausedUntilMs: 0, probing: false };
      this.keys.set(key, state);
    }
    return state;
  }

  private async waitForPause(key: string): Promise<void> {
    for (;;) {
      const waitMs = this.state(key).pausedUntilMs - this.now();
      if (waitMs <= 0) return;
      await this.sleep(waitMs);
    }
  }

  private take(key: string, count: number): Promise<void> {
    const state = this.state(key);
    if (state.waiting.length === 0 && this.fits(state, count)) {
      state.held += count;
      return Promise.resolve();
    }
    return new Promise((resolve) => state.waiting.push({ count, resolve }));
  }

  private fits(state: KeyState, count: number): boolean {
    return state.probing ? state.held === 0 : state.held + count <= this.maxConcurrent;
  }

  private give(key: string, count: number): void {
    const state = this.keys.get(key);
    if (!state) return;
    state.held -= count;
    // First come, first served: a big request at the head is not overtaken by small ones.
    while (state.waiting.length > 0) {
      const next = state.waiting[0];
      if (!next || !this.fits(state, next.count)) break;
      state.waiting.shift();
      state.held += next.count;
      next.resolve();
    }
    if (
      state.held === 0 &&
      state.waiting.length === 0 &&
      !state.probing &&
      state.pausedUntilMs <= this.now()
    )
      this.keys.delete(key);
  }
}
