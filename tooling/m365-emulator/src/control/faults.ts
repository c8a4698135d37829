import { intFrom } from '../util/prng';

export interface FaultSpec {
  /** Regular expression tested against "METHOD /path?query" (e.g. "GET /v1.0/users/.+/messages"). */
  match: string;
  /** Chance in [0, 1] that a matching request is hit; default 1. */
  probability?: number;
  /** Hit at most this many requests, then the fault retires. Default: unlimited. */
  count?: number;
  /** Answer with this status instead of handling the request. */
  status?: number;
  /** Retry-After header value in seconds (may be fractional). */
  retryAfterSeconds?: number;
  /** Graph error code for the body; default by status. */
  errorCode?: string;
  /** Delay before handling, in ms. */
  latencyMs?: number;
  /** Close the connection without an answer. */
  resetConnection?: boolean;
  /**
   * Run the request first, then lose its answer: the write happened, but the client sees
   * `status` (e.g. 504) or, with `resetConnection`, a dropped connection. Works on any route.
   */
  afterExecute?: boolean;
}

export interface Fault extends FaultSpec {
  id: string;
  hits: number;
  seen: number;
}

/** Fault injection by request pattern, with deterministic probability. */
export class FaultRegistry {
  private faults: Fault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): Fault {
    new RegExp(spec.match); // validates early so a typo fails the control call, not a later request
    const fault: Fault = { ...spec, id: `fault-${this.nextId++}`, hits: 0, seen: 0 };
    this.faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length < before;
  }

  clear(): void {
    this.faults = [];
  }

  /** The fault that hits this request, if any (consumes one use). */
  take(method: string, pathAndQuery: string): Fault | undefined {
    const subject = `${method} ${pathAndQuery}`;
    for (const fault of this.faults) {
      if (fault.count !== undefined && fault.hits >= fault.count) continue;
      if (!new RegExp(fault.match).test(subject)) continue;
      fault.seen++;
      const p = fault.probability ?? 1;
      if (p < 1 && intFrom(1_000_000, fault.id, fault.seen) >= p * 1_000_000) continue;
      fault.hits++;
      return fault;
    }
    return undefined;
  }
}

/**
 * Ways the next ID tokens go wrong, as a token injected by an attacker or mangled on the way
 * would: the client must refuse every one of them.
 */
export type IdTokenFaultKind =
  'expired' | 'foreign_signature' | 'replay' | 'wrong_audience' | 'wrong_nonce';

export interface IdTokenFault {
  kind: IdTokenFaultKind;
  /** How many ID tokens it spoils; default 1. */
  remaining: number;
}

export const ID_TOKEN_FAULT_KINDS: readonly IdTokenFaultKind[] = [
  'expired',
  'foreign_signature',
  'replay',
  'wrong_audience',
  'wrong_nonce',
];
