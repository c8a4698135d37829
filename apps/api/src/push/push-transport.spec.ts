import { lookup } from 'node:dns/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { hostname } from 'node:os';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PushAddressPolicy } from './push-address';
import { PushTransport } from './push-transport';

// A real receiver on this machine; the policy decides whether the transport may reach it.
describe('PushTransport', () => {
  let server: Server;
  let port: number;
  let requests = 0;
  const strict = new PushTransport(
    new PushAddressPolicy({ allowLoopback: false, privateNetworks: [] }),
  );
  const dev = new PushTransport(
    new PushAddressPolicy({ allowLoopback: true, privateNetworks: [] }),
  );

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests += 1;
      req.resume();
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await Promise.all([strict.onModuleDestroy(), dev.onModuleDestroy()]);
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (transport: PushTransport, host: string) =>
    transport.post(
      `http://${host}:${port}/hooks`,
      '{}',
      { 'content-type': 'application/json' },
      2000,
    );

  it('refuses a name that resolves to a private address, without connecting', async () => {
    // This machine's own name resolves to one of its (loopback or private) addresses.
    const name = hostname();
    const own = await lookup(name, { all: true });
    expect(
      own.every((a) =>
        new PushAddressPolicy({ allowLoopback: false, privateNetworks: [] }).refuses(a.address),
      ),
    ).toBe(true);
    const before = requests;
    const result = await post(strict, name);
    expect(result).toMatchObject({
      statusCode: null,
      error: 'address_refused',
      responseSnippet: null,
    });
    expect(requests).toBe(before);
  });

  it('refuses a private IP literal, without connecting', async () => {
    const before = requests;
    const result = await post(strict, '127.0.0.1');
    expect(result).toMatchObject({ statusCode: null, error: 'address_refused' });
    expect(requests).toBe(before);
  });

  it('delivers where the policy allows the address (loopback, in development)', async () => {
    const before = requests;
    const result = await post(dev, 'localhost');
    expect(result).toMatchObject({ statusCode: 204, error: null });
    expect(requests).toBe(before + 1);
  });
});
