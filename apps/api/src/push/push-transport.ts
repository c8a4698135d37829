import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { type LookupFunction } from 'node:net';

import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Agent, fetch, type Response } from 'undici';

import { type PushAttemptError } from '@rox365/contracts';

import { PushAddressPolicy } from './push-address';
import { RESPONSE_SNIPPET_MAX_BYTES } from './push.constants';

export interface PushResult {
  statusCode: number | null;
  error: PushAttemptError | null;
  durationMs: number;
  responseSnippet: string | null;
}

/** What the guarded lookup throws for a name that resolves to a refused address. */
class RefusedAddressError extends Error {
  readonly code = 'EROX_REFUSED_ADDRESS';
}

/**
 * The side effect of the push feature: one POST to a receiver, which is untrusted. The whole
 * exchange has one deadline, redirects are not followed (a 3xx is a failure), and at most a few
 * hundred bytes of the answer are read; the rest is dropped unread. The connection goes only to
 * addresses the policy allows, checked on the addresses the name resolves to as the socket opens
 * (so a name that changes its answer after registration gains nothing).
 */
@Injectable()
export class PushTransport implements OnModuleDestroy {
  private readonly agent: Agent;

  constructor(private readonly addresses: PushAddressPolicy) {
    this.agent = new Agent({ connect: { lookup: this.guardedLookup } });
  }

  // Safe to call twice: a test harness may close the same worker context again on teardown.
  async onModuleDestroy(): Promise<void> {
    if (!this.agent.closed && !this.agent.destroyed) await this.agent.close();
  }

  async post(
    url: string,
    body: string,
    headers: Record<string, string>,
    timeoutMs: number,
  ): Promise<PushResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const refused = () => ({
      statusCode: null,
      error: 'address_refused' as const,
      durationMs: elapsed(),
      responseSnippet: null,
    });
    // An IP literal never reaches the lookup.
    if (this.addresses.refusesHost(new URL(url).hostname)) return refused();
    const signal = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        body,
        headers,
        redirect: 'manual',
        signal,
        dispatcher: this.agent,
      });
    } catch (error) {
      if (refusedLookup(error)) return refused();
      return {
        statusCode: null,
        error: signal.aborted ? 'timeout' : 'connection_failed',
        durationMs: elapsed(),
        responseSnippet: null,
      };
    }
    let snippet: string | null = null;
    try {
      snippet = await readSnippet(response);
    } catch {
      // A body that stalls or breaks after the status line: the status is the answer.
    }
    const status = response.status;
    return {
      statusCode: status,
      error:
        status >= 200 && status < 300
          ? null
          : status >= 300 && status < 400
            ? 'redirect_refused'
            : 'http_status',
      durationMs: elapsed(),
      responseSnippet: snippet,
    };
  }

  // dns.lookup, then the policy on every address it returned (one refused address refuses the
  // name: the socket may try any of them).
  private readonly guardedLookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, found: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      if (found.length === 0 || found.some((a) => this.addresses.refuses(a.address))) {
        return callback(
          new RefusedAddressError(`${hostname} resolves to a refused address`),
          '',
          0,
        );
      }
      if (options.all) return (callback as AllCallback)(null, found);
      const first = found[0]!;
      callback(null, first.address, first.family);
    });
  };
}

type AllCallback = (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void;

// undici wraps connect errors; the refusal is somewhere in the cause chain.
function refusedLookup(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (e instanceof RefusedAddressError) return true;
  }
  return false;
}

async function readSnippet(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_SNIPPET_MAX_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = Buffer.concat(chunks).subarray(0, RESPONSE_SNIPPET_MAX_BYTES);
  // Stored as text: invalid UTF-8 becomes U+FFFD, control characters (NUL included) go.
  // eslint-disable-next-line no-control-regex
  const text = new TextDecoder().decode(bytes).replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
  return text.length > 0 ? text : null;
}
