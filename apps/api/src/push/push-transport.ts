import { Injectable } from '@nestjs/common';

import { type PushAttemptError } from '@rox365/contracts';

import { RESPONSE_SNIPPET_MAX_BYTES } from './push.constants';

export interface PushResult {
  statusCode: number | null;
  error: PushAttemptError | null;
  durationMs: number;
  responseSnippet: string | null;
}

/**
 * The side effect of the push feature: one POST to a receiver, which is untrusted. The whole
 * exchange has one deadline, redirects are not followed (a 3xx is a failure), and at most a few
 * hundred bytes of the answer are read; the rest is dropped unread.
 */
@Injectable()
export class PushTransport {
  async post(
    url: string,
    body: string,
    headers: Record<string, string>,
    timeoutMs: number,
  ): Promise<PushResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const signal = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal });
    } catch {
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
