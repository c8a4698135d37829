import { randomUUID } from 'node:crypto';

import { isRecord, jsonBody, type EmuReply, type EmuRequest } from '../http/types';
import { ok, type GraphCtx, type GraphRoute } from './context';
import { badRequest } from './errors';

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

function subRequest(outer: EmuRequest, item: BatchItem): EmuRequest {
  const rel = item.url.startsWith('/') ? item.url : `/${item.url}`;
  const url = new URL(`${outer.origin}/v1.0${rel.replace(/^\/v1\.0/i, '')}`);
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
  };
}

function replyBody(body: unknown): unknown {
  if (body === undefined || body === '' || body === null) return undefined;
  if (Buffer.isBuffer(body)) return body.toString('base64');
  return body;
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
    const sub = subRequest(ctx.req, item);
    const reply = await ctx.graph.handle(sub, sub.path.slice('/v1.0'.length));
    ctx.state.log.recordBatchItem({
      at: ctx.state.now().toISOString(),
      method: sub.method,
      path: sub.path,
      query: sub.rawQuery,
      status: reply.status,
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
