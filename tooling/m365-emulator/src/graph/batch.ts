import { randomUUID } from 'node:crypto';

import { isRecord, jsonBody, type EmuReply, type EmuRequest } from '../http/types';
import { ok, type GraphCtx, type GraphRoute } from './context';
import { badRequest, defaultFaultCode, graphError } from './errors';
import type { MailboxKey } from './router';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const MAX_REQUESTS = 20;

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  dependsOn: string[];
}

function parseItems(body: unknown): BatchItem[] {
  if (!isRecord(body) || !Array.isArray(body.requests))
    throw badRequest('Invalid batch payload format.', 'BadRequest');
  if (body.requests.length > MAX_REQUESTS)
    throw badRequest(
      `The number of batch requests exceeds the maximum of ${MAX_REQUESTS}.`,
      'BadRequest',
    );
  const seen = new Set<string>();
  return body.requests.map((r) => {
    if (
      !isRecord(r) ||
      typeof r.id !== 'string' ||
      typeof r.method !== 'string' ||
      typeof r.url !== 'string'
    ) {
      throw badRequest('Invalid batch payload format.', 'BadRequest');
    }
    const key = r.id.toLowerCase();
    if (seen.has(key))
      throw badRequest(`Request ids must be unique. Duplicate id '${r.id}'.`, 'BadRequest');
    seen.add(key);
    const headers: Record<string, string> = {};
    if (isRecord(r.headers))
      for (const [k, v] of Object.entries(r.headers)) headers[k.toLowerCase()] = String(v);
    return {
      id: r.id,
      method: r.method.toUpperCase(),
      url: r.url,
      headers,
      ...(r.body !== undefined ? { body: r.body } : {}),
      dependsOn: Array.isArray(r.dependsOn) ? r.dependsOn.map(String) : [],
    };
  });
}

// Graph resolves an item's url against the version root: `/users/…` or `users/…`. A version
// prefix is read as a path segment (400 "Resource not found for the segment 'v1.0'"), and an
// absolute URL is not a relative resource URL at all.
function itemUrlProblem(url: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url))
    return 'Invalid request URL: it must be relative to the version root.';
  const head = /^\/?(v1\.0|beta)(?=[/?]|$)/i.exec(url)?.[1];
  return head ? `Resource not found for the segment '${head}'.` : undefined;
}

function subRequest(outer: EmuRequest, item: BatchItem): EmuRequest {
  const rel = item.url.startsWith('/') ? item.url : `/${item.url}`;
  const url = new URL(`${outer.origin}/v1.0${rel}`);
  let body = Buffer.alloc(0);
  if (item.body !== undefined) {
    const type = item.headers['content-type'] ?? '';
    body =
      typeof item.body === 'string' && !type.includes('json')
        ? Buffer.from(item.body, 'base64')
        : Buffer.from(JSON.stringify(item.body));
  }
  return {
    method: item.method,
    path: url.pathname,
    query: url.searchParams,
    rawQuery: url.search.replace(/^\?/, ''),
    headers: { authorization: outer.headers.authorization ?? '', ...item.headers },
    body,
    origin: outer.origin,
    requestId: randomUUID(),
    ...(outer.arrival !== undefined ? { arrival: outer.arrival } : {}),
    ...(outer.answered ? { answered: outer.answered } : {}),
  };
}

function replyBody(body: unknown): unknown {
  if (body === undefined || body === '' || body === null) return undefined;
  if (Buffer.isBuffer(body)) return body.toString('base64');
  return body;
}

/**
 * One item, as Outlook would answer it on its own: injected faults match items like requests
 * ("GET /v1.0/users/…?…"), so a throttled or refused mailbox answers inside a batch too. A 429 or
 * 503 fault with `retryAfterSeconds` blocks the mailbox as it does for a request; a dropped
 * connection has no meaning inside a batch and becomes a 504 item.
 */
async function runItem(
  ctx: GraphCtx,
  sub: EmuRequest,
  versionless: string,
  key: MailboxKey | undefined,
): Promise<EmuReply & { fault?: string }> {
  const fault = ctx.state.faults.take(
    sub.method,
    `${sub.path}${sub.rawQuery ? `?${sub.rawQuery}` : ''}`,
  );
  if (!fault) return ctx.graph.handle(sub, versionless);
  const now = ctx.state.now();
  if (fault.afterExecute) {
    const executed = await ctx.graph.handle(sub, versionless);
    if (fault.latencyMs) await sleep(fault.latencyMs);
    return {
      ...graphError(
        sub,
        fault.status ?? 504,
        fault.errorCode ?? defaultFaultCode(fault.status ?? 504),
        `Injected fault after execution (the request ran with ${executed.status}).`,
        {},
        now,
      ),
      fault: fault.id,
    };
  }
  if (fault.status || fault.resetConnection) {
    if (fault.latencyMs) await sleep(fault.latencyMs);
    const status = fault.status ?? 504;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (fault.retryAfterSeconds !== undefined) {
      headers['retry-after'] = String(fault.retryAfterSeconds);
      if (key)
        ctx.throttle.block(key.appId, key.tenantId, key.mailbox, fault.retryAfterSeconds, sub);
    }
    const message = status === 429 ? 'Please retry again later.' : 'Injected fault.';
    return {
      ...graphError(
        sub,
        status,
        fault.errorCode ?? defaultFaultCode(status),
        message,
        headers,
        now,
      ),
      fault: fault.id,
    };
  }
  const reply = await ctx.graph.handle(
    sub,
    versionless,
    fault.latencyMs ? { latencyMs: fault.latencyMs } : {},
  );
  return { ...reply, fault: fault.id };
}

/** POST /$batch: up to 20 requests, dependsOn ordering, 424 for dependents of failures. */
async function batch(ctx: GraphCtx): Promise<EmuReply> {
  const items = parseItems(jsonBody(ctx.req));
  const status = new Map<string, number>();
  const responses: Record<string, unknown>[] = [];
  // An item the batch itself refuses: its status still counts for items that depend on it.
  const fail = (id: string, httpStatus: number, code: string, message: string): void => {
    status.set(id.toLowerCase(), httpStatus);
    responses.push({
      id,
      status: httpStatus,
      headers: { 'content-type': 'application/json' },
      body: { error: { code, message } },
    });
  };
  // Items run in order; Graph gives no ordering guarantee without dependsOn, so clients must not rely on it.
  for (const item of items) {
    const failedDep = item.dependsOn.find((d) => {
      const s = status.get(d.toLowerCase());
      return s === undefined || s >= 400;
    });
    if (failedDep !== undefined) {
      fail(item.id, 424, 'FailedDependency', 'Request failed due to a failed dependent request.');
      continue;
    }
    if (item.body !== undefined && !item.headers['content-type']) {
      fail(
        item.id,
        400,
        'BadRequest',
        'Content-Type header must be specified when a body is present.',
      );
      continue;
    }
    const urlProblem = itemUrlProblem(item.url);
    if (urlProblem !== undefined) {
      fail(item.id, 400, 'BadRequest', urlProblem);
      continue;
    }
    const sub = subRequest(ctx.req, item);
    const versionless = sub.path.slice('/v1.0'.length);
    const key = ctx.graph.mailboxKeyOf(sub, versionless);
    const reply = await runItem(ctx, sub, versionless, key);
    ctx.state.log.recordBatchItem({
      at: ctx.state.now().toISOString(),
      method: sub.method,
      path: sub.path,
      query: sub.rawQuery,
      status: reply.status,
      ...(key ? { appId: key.appId, tenantId: key.tenantId, mailbox: key.mailbox } : {}),
      ...(reply.fault ? { fault: reply.fault } : {}),
      ...(sub.headers.prefer ? { prefer: sub.headers.prefer } : {}),
    });
    status.set(item.id.toLowerCase(), reply.status);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(reply.headers ?? {})) {
      if (
        [
          'content-type',
          'retry-after',
          'location',
          'odata-version',
          'cache-control',
          'etag',
          'preference-applied',
        ].includes(k.toLowerCase())
      )
        headers[k] = v;
    }
    const body = replyBody(reply.body);
    responses.push({
      id: item.id,
      status: reply.status,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
  }
  return ok({ responses });
}

export const batchRoutes: GraphRoute[] = [
  { method: 'POST', pattern: /^\/\$batch$/i, handler: batch },
];
