import http from 'node:http';

import { type NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { type Express } from 'express';

type Constructor = new (...args: never[]) => object;

/** A constructor that builds `base` objects whose prototype is `prototype` from the start. */
function constructedWith<T extends Constructor>(base: T, prototype: object): T {
  const derived = function (...args: unknown[]): object {
    return Reflect.construct(base, args, derived) as object;
  };
  derived.prototype = prototype;
  return derived as unknown as T;
}

/**
 * Nest's Express adapter, with an HTTP server that builds each request and response on Express's
 * own prototypes. Express otherwise swaps the prototype of every incoming request and response
 * (`Object.setPrototypeOf` in `app.handle`); V8 then keeps about a third of each request's
 * short-lived objects through its young-generation collections, so at 500 requests/s the old
 * generation filled every second and each full collection held answers back by 60–80 ms. With
 * the prototype already in place Express's swap changes nothing (docs/operations.md, "Reads at
 * scale").
 */
export class ExpressHttpAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    // TLS and connection tracking stay Nest's own; the API uses neither (TLS ends in front of it).
    if (options.httpsOptions || options.forceCloseConnections) {
      super.initHttpServer(options);
      return;
    }
    const app = this.getInstance<Express>();
    this.httpServer = http.createServer(
      {
        IncomingMessage: constructedWith<typeof http.IncomingMessage>(
          http.IncomingMessage,
          app.request,
        ),
        ServerResponse: constructedWith<typeof http.ServerResponse>(
          http.ServerResponse,
          app.response,
        ),
      },
      app,
    );
  }
}
