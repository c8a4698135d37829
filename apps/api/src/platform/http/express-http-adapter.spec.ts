import http from 'node:http';
import { type AddressInfo } from 'node:net';

import { ExpressAdapter } from '@nestjs/platform-express';
import { type Express } from 'express';
import { afterEach, describe, expect, it } from 'vitest';

import { ExpressHttpAdapter } from './express-http-adapter';

describe('ExpressHttpAdapter', () => {
  let server: http.Server | undefined;

  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  /** The prototypes a request and its response arrive with, before Express sees them. */
  async function arrivingPrototypes(adapter: ExpressAdapter) {
    adapter.initHttpServer({});
    const app = adapter.getInstance<Express>();
    app.get('/probe', (_req, res) => {
      res.json({ answered: true });
    });
    server = adapter.getHttpServer();
    let seen: { request: unknown; response: unknown } | undefined;
    // Ahead of Express's own listener.
    server.prependListener('request', (req, res) => {
      seen = { request: Object.getPrototypeOf(req), response: Object.getPrototypeOf(res) };
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const answer = await fetch(`http://127.0.0.1:${port}/probe`);
    expect(await answer.json()).toEqual({ answered: true });
    return { app, seen };
  }

  it("builds requests and responses on Express's prototypes, so Express's swap changes nothing", async () => {
    const { app, seen } = await arrivingPrototypes(new ExpressHttpAdapter());
    expect(seen?.request).toBe(app.request);
    expect(seen?.response).toBe(app.response);
  });

  it("differs from Nest's own adapter, whose server builds plain Node objects", async () => {
    const { seen } = await arrivingPrototypes(new ExpressAdapter());
    expect(seen?.request).toBe(http.IncomingMessage.prototype);
    expect(seen?.response).toBe(http.ServerResponse.prototype);
  });
});
