import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

import { configureHttp } from '../api/http';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface Reply {
  /** Answer this much later (for answers that overtake each other). */
  delayMs?: number;
  status?: number;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

type Handler = (request: RecordedRequest) => Reply;

/**
 * A small real HTTP server standing in for the API in store and component tests: routes are
 * `METHOD /path` (without `/api/v1`), every request is recorded.
 */
export interface LocalApi {
  baseUrl: string;
  requests: RecordedRequest[];
  on(route: string, handler: Handler | Reply): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  const status = reply.status ?? 200;
  res.setHeader('access-control-allow-origin', '*');
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.setHeader('content-type', reply.contentType ?? 'application/json');
  res
    .writeHead(status)
    .end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
}

export async function startLocalApi(): Promise<LocalApi> {
  const routes = new Map<string, Handler>();
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-origin': '*',
          'access-control-allow-methods': 'GET, POST, PUT, DELETE',
          'access-control-allow-headers': 'authorization, content-type, accept, x-rox-csrf',
        });
        res.end();
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      const path = url.pathname.replace(/^\/api\/v1/, '');
      const text = await readBody(req);
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path,
        query: url.searchParams,
        headers: req.headers,
        body: text ? JSON.parse(text) : undefined,
      };
      requests.push(recorded);
      const handler = routes.get(`${recorded.method} ${path}`);
      if (!handler) {
        send(res, {
          status: 404,
          contentType: 'application/problem+json',
          body: {
            type: 'about:blank',
            title: 'Not Found',
            status: 404,
            detail: `No route ${path}`,
            code: 'ROUTE_NOT_FOUND',
            requestId: 'test',
          },
        });
        return;
      }
      const reply = handler(recorded);
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      send(res, reply);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}/api/v1`;
  return {
    baseUrl,
    requests,
    on(route, handler) {
      routes.set(route, typeof handler === 'function' ? handler : () => handler);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Points the SPA's shared HTTP client at a local API. */
export function useLocalApi(api: LocalApi, token: string | null = 'test-token'): void {
  configureHttp({ baseUrl: api.baseUrl, getToken: () => token, onUnauthorized: () => undefined });
}

/** A problem+json reply as the API sends it. */
export function problem(
  status: number,
  code: string,
  detail: string,
  errors?: { path: string; message: string }[],
): Reply {
  return {
    status,
    contentType: 'application/problem+json',
    body: {
      type: `urn:rox365:problem:${code.toLowerCase()}`,
      title: status === 409 ? 'Conflict' : status === 400 ? 'Bad Request' : 'Error',
      status,
      detail,
      code,
      requestId: 'req-test-1',
      ...(errors ? { errors } : {}),
    },
  };
}
