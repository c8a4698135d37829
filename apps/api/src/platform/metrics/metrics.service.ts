import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import { type GraphExchange, type GraphObserver, type TokenFailure } from '@rox365/graph-client';

/** Which app registration a Graph call went through. */
export type GraphApp = 'orgwide' | 'individual';

/** How a sync round ended: committed, failed with a retry to come, or failed for good. */
export type SyncRoundOutcome = 'ok' | 'retrying' | 'failed';

/** Job counts of one queue, as Bull reports them. */
export type QueueCounts = Record<string, number>;

/** Reads every queue's job counts; registered by the queue side, read on each scrape. */
export type QueueDepthSource = () => Promise<Record<string, QueueCounts>>;

const PREFIX = 'rox365_';
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'paused'] as const;

/**
 * The Metrics port: every number the API and the worker expose to Prometheus, in one registry per
 * process. Recording is always on (in-memory counters cost nothing worth saving); serving is what
 * METRICS_ENABLED turns on. Labels hold only bounded values (kinds, statuses, codes), never ids.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  private queueDepths: QueueDepthSource | null = null;
  private isDefaultCollecting = false;

  private readonly graphRequests = new Counter({
    name: `${PREFIX}graph_requests_total`,
    help: 'Graph exchanges by outcome: each attempt of a request and each $batch item',
    labelNames: ['app', 'kind', 'status_class', 'status'] as const,
    registers: [this.registry],
  });
  private readonly graphThrottles = new Counter({
    name: `${PREFIX}graph_throttles_total`,
    help: 'Graph answers that throttled: 429, or 503 with Retry-After',
    labelNames: ['app', 'kind'] as const,
    registers: [this.registry],
  });
  private readonly retryAfter = new Histogram({
    name: `${PREFIX}graph_retry_after_seconds`,
    help: 'Retry-After that Graph asked for on throttled answers',
    labelNames: ['app'] as const,
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  private readonly tokenFailures = new Counter({
    name: `${PREFIX}graph_token_failures_total`,
    help: 'Failed token requests to the Microsoft identity platform (MSAL), by flow and kind',
    labelNames: ['app', 'flow', 'kind'] as const,
    registers: [this.registry],
  });
  private readonly syncLag = new Histogram({
    name: `${PREFIX}sync_lag_seconds`,
    help: 'Time since the channel last synced, observed when a round commits',
    labelNames: ['kind'] as const,
    buckets: [30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 86_400],
    registers: [this.registry],
  });
  private readonly syncRounds = new Counter({
    name: `${PREFIX}sync_rounds_total`,
    help: 'Delta rounds by channel kind and outcome (code: the stored failure reason)',
    labelNames: ['kind', 'outcome', 'code'] as const,
    registers: [this.registry],
  });
  private readonly queueJobs: Gauge<'queue' | 'state'> = new Gauge({
    name: `${PREFIX}queue_jobs`,
    help: 'Jobs per queue and state, read from Redis on each scrape',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
    collect: () => this.collectQueueJobs(),
  });
  private readonly webhookReceipt = new Histogram({
    name: `${PREFIX}webhook_receipt_seconds`,
    help: 'Time to answer a Graph change notification, from receipt to response',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10],
    registers: [this.registry],
  });

  /** Process metrics (CPU, memory, event loop, GC), only where they are served. */
  collectProcessMetrics(): void {
    if (this.isDefaultCollecting) return;
    this.isDefaultCollecting = true;
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
  }

  setQueueDepthSource(source: QueueDepthSource): void {
    this.queueDepths = source;
  }

  /** The port graph-client calls for one app registration (see GraphObserver). */
  graphObserver(app: GraphApp): GraphObserver {
    return {
      onExchange: (exchange) => this.recordExchange(app, exchange),
      onTokenFailure: (failure) => this.recordTokenFailure(app, failure),
    };
  }

  /**
   * Starts a kind's round counter at 0 in a process that runs its rounds: a worker fleet that has
   * not ended one round since it started (crons off everywhere, workers stuck) then shows as a
   * series that does not grow, which an alert can see, instead of no series at all.
   */
  expectSyncRounds(kind: string): void {
    this.syncRounds.inc({ kind, outcome: 'ok', code: '' }, 0);
  }

  /** A delta round ended; `lagSeconds` (committed rounds only) is the time since the previous one. */
  observeSyncRound(
    kind: string,
    outcome: SyncRoundOutcome,
    details: { lagSeconds?: number | null; code?: string | null } = {},
  ): void {
    this.syncRounds.inc({ kind, outcome, code: details.code ?? '' });
    if (details.lagSeconds !== undefined && details.lagSeconds !== null && details.lagSeconds >= 0)
      this.syncLag.observe({ kind }, details.lagSeconds);
  }

  /** A change notification was answered `seconds` after it arrived. */
  observeWebhookReceipt(seconds: number): void {
    if (Number.isFinite(seconds) && seconds >= 0) this.webhookReceipt.observe(seconds);
  }

  /** The text exposition format, for a scrape. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  private recordExchange(app: GraphApp, exchange: GraphExchange): void {
    const { status, kind } = exchange;
    this.graphRequests.inc({
      app,
      kind,
      status_class: status === null ? 'network_error' : `${Math.floor(status / 100)}xx`,
      status: status === null ? 'none' : String(status),
    });
    const isThrottle = status === 429 || (status === 503 && exchange.retryAfterMs !== null);
    if (!isThrottle) return;
    this.graphThrottles.inc({ app, kind });
    if (exchange.retryAfterMs !== null)
      this.retryAfter.observe({ app }, exchange.retryAfterMs / 1000);
  }

  private async collectQueueJobs(): Promise<void> {
    this.queueJobs.reset();
    if (!this.queueDepths) return;
    for (const [queue, counts] of Object.entries(await this.queueDepths())) {
      for (const state of QUEUE_STATES) this.queueJobs.set({ queue, state }, counts[state] ?? 0);
    }
  }

  private recordTokenFailure(app: GraphApp, failure: TokenFailure): void {
    this.tokenFailures.inc({ app, flow: failure.flow, kind: failure.kind });
  }
}
