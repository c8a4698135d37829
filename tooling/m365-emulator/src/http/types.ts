/** A request as the feature handlers see it: already read, decoupled from Node's objects. */
export interface EmuRequest {
  method: string;
  /** Path without query, percent-decoded per segment by handlers as needed. */
  path: string;
  query: URLSearchParams;
  /** Raw query string without "?" (delta and skip tokens are read from it verbatim). */
  rawQuery: string;
  /** Lower-case header names. Repeated headers are joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** Origin the client used, e.g. "https://localhost:4010". */
  origin: string;
  requestId: string;
  /**
   * Order of arrival, set by the app handler; a `$batch`'s items share their envelope's, so a
   * 429 on one item does not make its siblings (sent before the client could know) violations.
   */
  arrival?: number;
  /** Run once the answer has been written (or the connection reset); shared by batch items. */
  answered?: (() => void)[];
}

export interface EmuReply {
  status: number;
  headers?: Record<string, string>;
  /** A string or Buffer is sent as is; anything else as JSON. */
  body?: unknown;
  /** Close the socket without answering (fault injection). */
  resetConnection?: boolean;
}

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): EmuReply {
  return { status, body, headers };
}

export function html(status: number, body: string, headers: Record<string, string> = {}): EmuReply {
  return { status, body, headers: { 'content-type': 'text/html; charset=utf-8', ...headers } };
}

export function redirect(location: string): EmuReply {
  return { status: 302, headers: { location }, body: '' };
}

export function text(status: number, body: string, headers: Record<string, string> = {}): EmuReply {
  return { status, body, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } };
}

/** Parses an application/x-www-form-urlencoded or JSON body into a flat string map. */
export function formBody(req: EmuRequest): URLSearchParams {
  const type = req.headers['content-type'] ?? '';
  const raw = req.body.toString('utf8');
  if (type.includes('application/json')) {
    const parsed = safeJson(raw);
    const params = new URLSearchParams();
    if (parsed && typeof parsed === 'object') {
      for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
          params.set(k, String(v));
      }
    }
    return params;
  }
  return new URLSearchParams(raw);
}

export function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

export function jsonBody(req: EmuRequest): unknown {
  return safeJson(req.body.toString('utf8'));
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
