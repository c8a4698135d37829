import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

import type { EmuReply, EmuRequest } from './types';

export type AppHandler = (req: EmuRequest) => Promise<EmuReply>;

const MAX_BODY_BYTES = 40 * 1024 * 1024;

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('Request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function headerMap(req: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function send(res: http.ServerResponse, reply: EmuReply): void {
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  let payload: Buffer;
  if (reply.body === undefined || reply.body === null) payload = Buffer.alloc(0);
  else if (Buffer.isBuffer(reply.body)) payload = reply.body;
  else if (typeof reply.body === 'string') payload = Buffer.from(reply.body, 'utf8');
  else {
    payload = Buffer.from(JSON.stringify(reply.body), 'utf8');
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json; charset=utf-8';
  }
  headers['content-length'] = String(payload.length);
  res.writeHead(reply.status, headers);
  res.end(payload);
}

export interface StartedServer {
  server: http.Server;
  port: number;
  close(): Promise<void>;
}

/** Starts an HTTP or HTTPS server that adapts Node requests to EmuRequest and back. */
export async function startHttpServer(opts: {
  host: string;
  port: number;
  tls?: { cert: string; key: string };
  handler: AppHandler;
  onError: (e: unknown) => void;
}): Promise<StartedServer> {
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const run = async (): Promise<void> => {
      const body = await readBody(req);
      const host = req.headers.host ?? `${opts.host}:${opts.port}`;
      const origin = `${opts.tls ? 'https' : 'http'}://${host}`;
      const url = new URL(req.url ?? '/', origin);
      const emuReq: EmuRequest = {
        method: (req.method ?? 'GET').toUpperCase(),
        path: url.pathname,
        query: url.searchParams,
        rawQuery: url.search.replace(/^\?/, ''),
        headers: headerMap(req),
        body,
        origin,
        requestId: randomUUID(),
        answered: [],
      };
      const reply = await opts.handler(emuReq);
      if (reply.resetConnection) req.socket.destroy();
      else send(res, reply);
      for (const hook of emuReq.answered ?? []) hook();
    };
    run().catch((e: unknown) => {
      opts.onError(e);
      if (!res.headersSent)
        send(res, {
          status: 500,
          body: { error: { code: 'InternalServerError', message: String(e) } },
        });
      else res.destroy();
    });
  };
  const server = opts.tls
    ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, listener)
    : http.createServer(listener);
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
