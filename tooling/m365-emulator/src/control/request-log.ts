export interface LoggedRequest {
  at: string;
  method: string;
  path: string;
  query: string;
  status: number;
  appId?: string;
  tenantId?: string;
  /** Mailbox owner (user id) for Outlook paths. */
  mailbox?: string;
  fault?: string;
  /** The request's Prefer header (IdType, odata.maxpagesize, body content type). */
  prefer?: string;
  /** A request inside a `$batch` (logged after its envelope; not counted in the counters). */
  batchItem?: boolean;
}

export interface ThrottleViolation {
  at: string;
  kind: 'beforeRetryAfter' | 'concurrency';
  appId: string;
  tenantId: string;
  mailbox: string;
  path: string;
  /** For `beforeRetryAfter`: how long after the "wait" answer was written the request came. */
  afterAnswerMs?: number;
}

/** Ring buffer of requests plus counters, for tests to assert client behaviour. */
export class RequestLog {
  private entries: LoggedRequest[] = [];
  private readonly byPath = new Map<string, number>();
  private readonly byStatus = new Map<number, number>();
  // Outlook requests per mailbox, `$batch` items included: never trimmed like the ring buffer, so
  // a long run can still prove which mailboxes were never read.
  private readonly byMailbox = new Map<string, number>();
  violations: ThrottleViolation[] = [];
  overlaps: ThrottleViolation[] = [];
  total = 0;

  constructor(private readonly capacity = 20_000) {}

  record(entry: LoggedRequest): void {
    this.total++;
    this.entries.push(entry);
    if (this.entries.length > this.capacity)
      this.entries.splice(0, this.entries.length - this.capacity);
    const key = `${entry.method} ${entry.path}`;
    this.byPath.set(key, (this.byPath.get(key) ?? 0) + 1);
    this.byStatus.set(entry.status, (this.byStatus.get(entry.status) ?? 0) + 1);
    this.countMailbox(entry);
  }

  private countMailbox(entry: LoggedRequest): void {
    if (entry.mailbox)
      this.byMailbox.set(entry.mailbox, (this.byMailbox.get(entry.mailbox) ?? 0) + 1);
  }

  /** A `$batch` item: listed with the requests so privacy checks see it, but not counted twice. */
  recordBatchItem(entry: LoggedRequest): void {
    this.entries.push({ ...entry, batchItem: true });
    if (this.entries.length > this.capacity)
      this.entries.splice(0, this.entries.length - this.capacity);
    this.countMailbox(entry);
  }

  violation(v: ThrottleViolation): void {
    this.violations.push(v);
  }

  /** A request that arrived within the in-flight grace after a "wait" answer (not a violation). */
  overlap(v: ThrottleViolation): void {
    this.overlaps.push(v);
  }

  list(filter?: { pathContains?: string; since?: number }): LoggedRequest[] {
    let out = this.entries;
    if (filter?.pathContains) out = out.filter((e) => e.path.includes(filter.pathContains ?? ''));
    return out.slice(filter?.since ?? 0);
  }

  counters(): {
    total: number;
    byPath: Record<string, number>;
    byStatus: Record<string, number>;
    byMailbox: Record<string, number>;
    throttleViolations: number;
  } {
    return {
      total: this.total,
      byPath: Object.fromEntries(this.byPath),
      byStatus: Object.fromEntries([...this.byStatus].map(([k, v]) => [String(k), v])),
      byMailbox: Object.fromEntries(this.byMailbox),
      throttleViolations: this.violations.length,
    };
  }

  clear(): void {
    this.entries = [];
    this.byPath.clear();
    this.byStatus.clear();
    this.byMailbox.clear();
    this.violations = [];
    this.overlaps = [];
    this.total = 0;
  }
}
