import { Writable } from 'node:stream';

import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { createRootLogger } from '../logging/logger';
import { accessLogMiddleware, loggableUrl } from './access-log.middleware';
import { requestIdMiddleware } from './request-id.middleware';

describe('loggable URLs', () => {
  it.each([
    ['/api/v1/members', '/api/v1/members'],
    ['/api/v1/members?limit=50', '/api/v1/members?limit=50'],
    [
      '/api/v1/orgwide/consent/callback?state=s3cr3t&code=c0de&admin_consent=True',
      '/api/v1/orgwide/consent/callback?state=%5Bredacted%5D&code=%5Bredacted%5D&admin_consent=True',
    ],
    [
      '/cb?id_token=x&session_state=y&client_info=z',
      '/cb?id_token=%5Bredacted%5D&session_state=%5Bredacted%5D&client_info=%5Bredacted%5D',
    ],
    ['/api/v1/members?q=adele.vance%40contoso.com', '/api/v1/members?q=%5Bemail%5D'],
    ['/api/v1/mail/contacts/adele@contoso.com/messages', '/api/v1/mail/contacts/[email]/messages'],
  ])('%s → %s', (url, logged) => {
    expect(loggableUrl(url)).toBe(logged);
  });
});

describe('access log', () => {
  async function linesFor(run: (agent: ReturnType<typeof request>) => Promise<unknown>) {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        }
        done();
      },
    });
    const app = express();
    app.use(requestIdMiddleware);
    app.use(accessLogMiddleware(createRootLogger({ level: 'info', destination: sink })));
    app.get('/healthz', (_req, res) => res.json({ ok: true }));
    app.get('/ok', (_req, res) => res.json({ ok: true }));
    app.get('/boom', (_req, res) => res.status(503).json({ ok: false }));
    await run(request(app));
    // The line is written when the response closes, just after the client has it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    return lines;
  }

  it('writes one line per answered request with id, method, URL, status and time, never headers', async () => {
    const lines = await linesFor((agent) =>
      agent
        .get('/ok?state=one-time')
        .set('x-request-id', 'access-log-0001')
        .set('authorization', 'Bearer secret-token-value'),
    );
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({
      level: 30,
      msg: 'request completed',
      requestId: 'access-log-0001',
      req: { id: 'access-log-0001', method: 'GET', url: '/ok?state=%5Bredacted%5D' },
      res: { statusCode: 200 },
    });
    expect(typeof line?.responseTime).toBe('number');
    expect(JSON.stringify(lines)).not.toContain('secret-token-value');
    expect(JSON.stringify(lines)).not.toContain('one-time');
  });

  it('writes server errors at error level and leaves probes out', async () => {
    const lines = await linesFor(async (agent) => {
      await agent.get('/healthz');
      await agent.get('/boom');
    });
    expect(
      lines.map((l) => [l.level, l.msg, (l.res as { statusCode: number }).statusCode]),
    ).toEqual([[50, 'request failed', 503]]);
  });
});
