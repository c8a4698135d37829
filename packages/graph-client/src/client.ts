import { randomUUID } from 'node:crypto';

import { ResponseType, type Client, type GraphRequest } from '@microsoft/microsoft-graph-client';

import { type GraphLogger } from './config';
import { DeltaExpiredError, GraphRequestError, IdentityError } from './errors';
import { RequestSettings } from './middleware';
import { parseRetryAfter } from './retry';
import { type DeltaItem, type RemovedMarker } from './types';

/** HTTP methods the client sends. */
export type GraphMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** Options of one Graph request. */
export interface GraphRequestOptions {
  readonly method?: GraphMethod;
  /** Query options for a relative path (ignored for absolute links, which are sent verbatim). */
  readonly query?: Readonly<Record<string, string | number | boolean>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON body. */
  readonly body?: unknown;
  /** Allow retrying a non-idempotent method after a possibly-processed failure (e.g. POST with transactionId). */
  readonly isIdempotent?: boolean;
  /**
   * Runs just before each attempt goes out, after the token, any retry wait and the mailbox's
   * slot: a `$batch` envelope waits out the pauses its items' mailboxes got since it checked
   * them (it holds their slots, but the concurrency middleware never sees its items); a send
   * learns that nothing had gone out when the attempt failed before it ran.
   */
  readonly beforeSend?: () => Promise<void>;
  /**
   * False for a request whose repetition could act twice and which Exchange may have run before
   * answering 503 (sendMail, a draft's /send; X-4): it is not retried here, the caller looks
   * first. Default true: a 503 is retried like a 429.
   */
  readonly retryUnavailable?: boolean;
  /**
   * True: one attempt, nothing retried (a caller someone waits on, for whom what fails may
   * simply be left, e.g. a best-effort cleanup). Default false.
   */
  readonly noRetry?: boolean;
}

/** A successful response. `body` is null for empty responses (202/204). */
export interface GraphResponse<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T | null;
}

/** One page of a collection. */
export interface GraphPage<T> {
  readonly value: readonly T[];
  readonly nextLink: string | null;
  readonly deltaLink: string | null;
  /** `@odata.count`, first page only and only when `$count=true` was asked for. */
  readonly count: number | null;
}

/** A removal reported by a delta page. */
export interface RemovedItem {
  readonly id: string;
  readonly reason: RemovedMarker['reason'];
}

/** One page of a delta round, split into changed items and removals. */
export interface DeltaPage<T> {
  readonly items: readonly T[];
  readonly removed: readonly RemovedItem[];
  /** Present on the last page only: store it for the next round. */
  readonly deltaLink: string | null;
}

/** A complete delta round. */
export interface DeltaRound<T> {
  readonly items: readonly T[];
  readonly removed: readonly RemovedItem[];
  readonly deltaLink: string;
}

/** Options for paging and delta rounds. */
export interface PagingOptions {
  /** Sent on every page (Prefer, ConsistencyLevel are not encoded in nextLinks). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string | number | boolean>>;
}

// Outlook (Exchange-backed) segments under /users/{id} or /me.
const OUTLOOK_SEGMENTS = new Set([
  'messages',
  'mailfolders',
  'events',
  'calendar',
  'calendars',
  'calendarview',
  'calendargroups',
  'sendmail',
  'mailboxsettings',
  'contacts',
  'contactfolders',
  'inferenceclassification',
  'outlook',
]);

/** The mailbox an Outlook request touches (`users/{id}` lower-cased, or `me`), else null. */
export function mailboxKeyOf(path: string): string | null {
  const segments =
    path
      .split('?')[0]
      ?.split('/')
      .filter((s) => s.length > 0) ?? [];
  const start = segments[0] === 'v1.0' || segments[0] === 'beta' ? 1 : 0;
  const head = segments[start]?.toLowerCase();
  // Links Graph hands back name segments with a key, e.g. `mailFolders('inbox')/messages/delta`.
  const segment = (i: number): string => (segments[i] ?? '').replace(/\(.*$/, '').toLowerCase();
  if (head === 'me') {
    return OUTLOOK_SEGMENTS.has(segment(start + 1)) ? 'me' : null;
  }
  if (head === 'users' && OUTLOOK_SEGMENTS.has(segment(start + 2))) {
    return `users/${safeDecode(segments[start + 1] ?? '').toLowerCase()}`;
  }
  // The key form Graph may hand back in links: users('{id}')/…
  const keyed = /^users\('([^']*)'\)$/i.exec(safeDecode(segments[start] ?? ''));
  if (keyed && OUTLOOK_SEGMENTS.has(segment(start + 1))) {
    return `users/${(keyed[1] ?? '').toLowerCase()}`;
  }
  return null;
}

// A malformed escape in a stored link must not throw here; the segment is then used as is.
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Adds `IdType="ImmutableId"` to the Prefer header of an Outlook request. */
export function withImmutableIdPreference(
  path: string,
  headers: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const result: Record<string, string> = { ...headers };
  if (mailboxKeyOf(path) === null) return result;
  const key = Object.keys(result).find((k) => k.toLowerCase() === 'prefer');
  const existing = key ? result[key] : undefined;
  if (key) delete result[key];
  result.Prefer =
    existing && existing.length > 0 ? `IdType="ImmutableId", ${existing}` : 'IdType="ImmutableId"';
  return result;
}

/**
 * A Microsoft Graph v1.0 client bound to one token source (an app in a tenant, or one user).
 * Requests go through the SDK with our middleware chain: auth → retry → per-mailbox limit → HTTP.
 */
export class GraphClient {
  private readonly origin: string;
  private readonly versionRoot: string;

  constructor(
    private readonly sdk: Client,
    graphBaseUrl: string,
    private readonly logger: GraphLogger,
  ) {
    const base = new URL(graphBaseUrl);
    this.origin = base.origin;
    this.versionRoot = `${graphBaseUrl.replace(/\/+$/, '')}/v1.0`;
  }

  /** Absolute URL for a path relative to /v1.0 (or an absolute Graph link, returned unchanged). */
  url(pathOrUrl: string, query?: GraphRequestOptions['query']): string {
    if (/^https?:\/\//i.test(pathOrUrl)) {
      // Tokens only ever go to the configured Graph origin, whatever a response linked to.
      if (new URL(pathOrUrl).origin !== this.origin) {
        throw new TypeError(`Refusing to send a Graph token to ${new URL(pathOrUrl).origin}`);
      }
      return pathOrUrl;
    }
    const path = pathOrUrl.startsWith('/') ? pathOrUrl : `/${pathOrUrl}`;
    const entries = Object.entries(query ?? {});
    if (entries.length === 0) return `${this.versionRoot}${path}`;
    const separator = path.includes('?') ? '&' : '?';
    const queryString = entries.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&');
    return `${this.versionRoot}${path}${separator}${queryString}`;
  }

  /** Sends one request; non-2xx responses throw GraphRequestError. */
  async request<T>(
    pathOrUrl: string,
    options: GraphRequestOptions = {},
  ): Promise<GraphResponse<T>> {
    const { response, method, url } = await this.send(pathOrUrl, options);
    const text = await response.text();
    const body = parseJson(text);
    if (!response.ok) throw this.failed(method, url, response, body, text);
    return { status: response.status, headers: response.headers, body: (body as T | null) ?? null };
  }

  /** GET of raw bytes (e.g. an attachment's `$value`); non-2xx responses throw GraphRequestError. */
  async getBytes(
    pathOrUrl: string,
    options: Omit<GraphRequestOptions, 'method' | 'body'> = {},
  ): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
    const { response, method, url } = await this.send(pathOrUrl, { ...options, method: 'GET' });
    if (!response.ok) {
      const text = await response.text();
      throw this.failed(method, url, response, parseJson(text), text);
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, bytes };
  }

  private failed(
    method: string,
    url: string,
    response: Response,
    body: unknown,
    text: string,
  ): GraphRequestError {
    const error = errorFromResponse(method, url, this.origin, response, body, text);
    this.logger.debug('graph request failed', {
      method,
      path: error.path.split('?')[0],
      status: error.status,
      code: error.code,
      requestId: error.requestId,
    });
    return error;
  }

  // One request through the SDK's middleware (auth, retries, mailbox slots); the caller reads it.
  private async send(
    pathOrUrl: string,
    options: GraphRequestOptions,
  ): Promise<{ response: Response; method: GraphMethod; url: string }> {
    const method = options.method ?? 'GET';
    const url = this.url(pathOrUrl, options.query);
    const pathForKey = new URL(url).pathname;
    const clientRequestId = randomUUID();
    const headers = withImmutableIdPreference(pathForKey, {
      'client-request-id': clientRequestId,
      ...options.headers,
    });
    const settings = new RequestSettings(
      url,
      options.isIdempotent === true,
      mailboxKeyOf(pathForKey),
      options.beforeSend ?? null,
      options.retryUnavailable ?? true,
      options.noRetry ?? false,
    );
    const request: GraphRequest = this.sdk
      .api(url)
      .headers(headers)
      .responseType(ResponseType.RAW)
      .middlewareOptions([settings]);

    let response: Response;
    try {
      response = await this.dispatch(request, method, options.body);
    } catch (error) {
      const failure = settings.failure ?? error;
      if (failure instanceof IdentityError || failure instanceof GraphRequestError) throw failure;
      // Connection refused, reset, TLS failure: no HTTP status at all.
      throw new GraphRequestError({
        status: 0,
        code: 'NetworkError',
        message: failure instanceof Error ? failure.message : String(failure),
        method,
        path: url.startsWith(this.origin) ? url.slice(this.origin.length) : url,
        cause: failure,
      });
    }
    return { response, method, url };
  }

  /** GET returning the JSON body. */
  async get<T>(
    pathOrUrl: string,
    options: Omit<GraphRequestOptions, 'method' | 'body'> = {},
  ): Promise<T> {
    const response = await this.request<T>(pathOrUrl, { ...options, method: 'GET' });
    if (response.body === null) throw new TypeError(`Empty response body for GET ${pathOrUrl}`);
    return response.body;
  }

  /** Pages of a collection, following `@odata.nextLink` verbatim and re-sending the headers. */
  async *pages<T>(
    pathOrUrl: string,
    options: PagingOptions = {},
  ): AsyncGenerator<GraphPage<T>, void, undefined> {
    let next: string | null = this.url(pathOrUrl, options.query);
    while (next !== null) {
      const body: ODataCollection<T> = await this.get<ODataCollection<T>>(next, {
        headers: options.headers,
      });
      const page: GraphPage<T> = {
        value: body.value ?? [],
        nextLink: body['@odata.nextLink'] ?? null,
        deltaLink: body['@odata.deltaLink'] ?? null,
        count: typeof body['@odata.count'] === 'number' ? body['@odata.count'] : null,
      };
      yield page;
      next = page.nextLink;
    }
  }

  /** Every item of a collection. */
  async listAll<T>(pathOrUrl: string, options: PagingOptions = {}): Promise<T[]> {
    const all: T[] = [];
    for await (const page of this.pages<T>(pathOrUrl, options)) all.push(...page.value);
    return all;
  }

  /**
   * Pages of one delta round, from an initial delta URL or a stored deltaLink. A dead token (410,
   * SyncStateNotFound, resyncRequired, ...) on any page throws DeltaExpiredError.
   */
  async *deltaPages<T extends { readonly id: string }>(
    startUrlOrDeltaLink: string,
    options: PagingOptions = {},
  ): AsyncGenerator<DeltaPage<T>, void, undefined> {
    const pages = this.pages<DeltaItem<T>>(startUrlOrDeltaLink, options);
    while (true) {
      let result: IteratorResult<GraphPage<DeltaItem<T>>, void>;
      try {
        result = await pages.next();
      } catch (error) {
        if (error instanceof GraphRequestError && error.isDeltaExpired)
          throw new DeltaExpiredError(error);
        throw error;
      }
      if (result.done) return;
      const page = result.value;
      const items: T[] = [];
      const removed: RemovedItem[] = [];
      for (const item of page.value) {
        if (item['@removed'] !== undefined)
          removed.push({ id: item.id, reason: item['@removed'].reason });
        else items.push(item);
      }
      yield { items, removed, deltaLink: page.deltaLink };
    }
  }

  /** A whole delta round collected in memory; returns the deltaLink for the next round. */
  async deltaRound<T extends { readonly id: string }>(
    startUrlOrDeltaLink: string,
    options: PagingOptions = {},
  ): Promise<DeltaRound<T>> {
    const items: T[] = [];
    const removed: RemovedItem[] = [];
    let deltaLink: string | null = null;
    for await (const page of this.deltaPages<T>(startUrlOrDeltaLink, options)) {
      items.push(...page.items);
      removed.push(...page.removed);
      deltaLink = page.deltaLink ?? deltaLink;
    }
    if (deltaLink === null) throw new TypeError('Delta round ended without an @odata.deltaLink');
    return { items, removed, deltaLink };
  }

  private async dispatch(
    request: GraphRequest,
    method: GraphMethod,
    body: unknown,
  ): Promise<Response> {
    const send = (): Promise<unknown> => {
      switch (method) {
        case 'GET':
          return request.get() as Promise<unknown>;
        case 'POST':
          return request.post(body ?? null) as Promise<unknown>;
        case 'PATCH':
          return request.patch(body ?? null) as Promise<unknown>;
        case 'PUT':
          return request.put(body ?? null) as Promise<unknown>;
        case 'DELETE':
          return request.delete() as Promise<unknown>;
      }
    };
    const result = await send();
    if (!(result instanceof Response)) throw new TypeError('Graph SDK returned no raw response');
    return result;
  }
}

interface ODataCollection<T> {
  readonly value?: T[];
  readonly '@odata.nextLink'?: string;
  readonly '@odata.deltaLink'?: string;
  readonly '@odata.count'?: number;
}

interface GraphErrorBody {
  readonly error?: {
    readonly code?: string;
    readonly message?: string;
    readonly innerError?: GraphInnerError;
    readonly innererror?: GraphInnerError;
  };
}

interface GraphInnerError {
  readonly code?: string;
  readonly 'request-id'?: string;
  readonly 'client-request-id'?: string;
  readonly innerError?: GraphInnerError;
  readonly innererror?: GraphInnerError;
}

/** Builds a GraphRequestError from a failed response (also used for $batch items). */
export function graphErrorFrom(input: {
  method: string;
  path: string;
  status: number;
  body: unknown;
  headers: { get(name: string): string | null };
  text?: string;
}): GraphRequestError {
  const error = (input.body as GraphErrorBody | null)?.error;
  const innerCodes: string[] = [];
  let inner = error?.innerError ?? error?.innererror;
  let requestId = input.headers.get('request-id');
  while (inner) {
    if (typeof inner.code === 'string') innerCodes.push(inner.code);
    requestId ??= inner['request-id'] ?? null;
    inner = inner.innerError ?? inner.innererror;
  }
  return new GraphRequestError({
    status: input.status,
    code: typeof error?.code === 'string' ? error.code : null,
    message: typeof error?.message === 'string' ? error.message : (input.text ?? '').slice(0, 200),
    innerCodes,
    requestId,
    clientRequestId: input.headers.get('client-request-id'),
    retryAfterMs: parseRetryAfter(input.headers.get('retry-after')),
    method: input.method,
    path: input.path,
    location: input.headers.get('location'),
  });
}

function errorFromResponse(
  method: string,
  url: string,
  origin: string,
  response: Response,
  body: unknown,
  text: string,
): GraphRequestError {
  const path = url.startsWith(origin) ? url.slice(origin.length) : url;
  return graphErrorFrom({
    method,
    path,
    status: response.status,
    body,
    headers: response.headers,
    text,
  });
}

function parseJson(text: string): unknown {
  if (text.length === 0) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
