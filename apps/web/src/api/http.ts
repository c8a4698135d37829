import { PROBLEM_CONTENT_TYPE, type Problem } from '@rox365/contracts';

/** One field error from a problem's `errors`, with the request prefix (`body.`, `query.`) removed. */
export interface FieldError {
  path: string;
  message: string;
}

/** A failed API call, readable as is: title and detail for people, code for branching. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly requestId: string | null;
  readonly fieldErrors: FieldError[];

  constructor(init: {
    status: number;
    code: string;
    title: string;
    detail: string;
    requestId: string | null;
    fieldErrors?: FieldError[];
  }) {
    super(init.detail || init.title);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail;
    this.requestId = init.requestId;
    this.fieldErrors = init.fieldErrors ?? [];
  }

  /** The first message for a field path (`tenant`, `restrictedDomains.2`) or anything under it. */
  fieldError(path: string): string | undefined {
    return this.fieldErrors.find((e) => e.path === path || e.path.startsWith(`${path}.`))?.message;
  }
}

/** Turns anything thrown by a call into an ApiError so views show one kind of error. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError({
    status: 0,
    code: 'NETWORK_ERROR',
    title: 'Could not reach the server',
    detail: `Check your connection and try again. (${message})`,
    requestId: null,
  });
}

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  signal?: AbortSignal;
}

export interface HttpClientOptions {
  /** Absolute URL or path prefix, e.g. `/api/v1`. */
  baseUrl: string;
  /** A bearer token (tests, API clients); the SPA itself relies on the session cookie. */
  getToken?: () => string | null;
  /** True while the page believes the browser is signed in (a 401 then means it expired). */
  isSignedIn?: () => boolean;
  /** Called on a 401 from an authenticated call (the session has expired or was revoked). */
  onUnauthorized?: () => void;
  fetch?: typeof fetch;
}

export interface HttpClient {
  get<T>(path: string, options?: RequestOptions): Promise<T>;
  post<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  put<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  delete<T>(path: string, options?: RequestOptions): Promise<T>;
  /** The address of a same-origin GET, for a link the browser follows itself (a download). */
  url(path: string, query?: RequestOptions['query']): string;
}

const REQUEST_PREFIXES = ['body.', 'query.', 'params.'];

/** Double-submit CSRF: the API's readable cookie, echoed in this header on every change. */
export const CSRF_COOKIE = 'rox365_csrf';
export const CSRF_HEADER = 'x-rox-csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function readCookie(name: string): string | null {
  if (typeof document === 'undefined') return null;
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

function stripPrefix(path: string): string {
  const prefix = REQUEST_PREFIXES.find((p) => path.startsWith(p));
  return prefix ? path.slice(prefix.length) : path;
}

function isProblem(value: unknown): value is Partial<Problem> {
  return typeof value === 'object' && value !== null && ('title' in value || 'code' in value);
}

function buildUrl(baseUrl: string, path: string, query: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return `${baseUrl.replace(/\/$/, '')}${path}${search ? `?${search}` : ''}`;
}

async function problemFrom(response: Response): Promise<ApiError> {
  const headerRequestId = response.headers.get('x-request-id');
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a proxy's HTML error page, for instance): fall back to the status line.
  }
  if (isProblem(parsed)) {
    return new ApiError({
      status: typeof parsed.status === 'number' ? parsed.status : response.status,
      code: parsed.code ?? `HTTP_${response.status}`,
      title: parsed.title ?? response.statusText,
      detail: parsed.detail ?? '',
      requestId: parsed.requestId ?? headerRequestId,
      fieldErrors: (parsed.errors ?? []).map((e) => ({
        path: stripPrefix(e.path),
        message: e.message,
      })),
    });
  }
  return new ApiError({
    status: response.status,
    code: `HTTP_${response.status}`,
    title: response.statusText || `HTTP ${response.status}`,
    detail:
      response.status >= 500
        ? 'The server could not handle the request. Try again in a moment.'
        : 'The request was not accepted.',
    requestId: headerRequestId,
  });
}

/** Builds the SPA's one HTTP client: JSON in and out, bearer token, problem+json errors. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function request<T>(method: string, path: string, init: RequestOptions = {}): Promise<T> {
    const headers = new Headers({ accept: `application/json, ${PROBLEM_CONTENT_TYPE}` });
    const token = options.getToken?.() ?? null;
    if (token) headers.set('authorization', `Bearer ${token}`);
    const hasBody = init.body !== undefined;
    if (hasBody) headers.set('content-type', 'application/json');
    const csrf = SAFE_METHODS.has(method) ? null : readCookie(CSRF_COOKIE);
    if (csrf) headers.set(CSRF_HEADER, csrf);

    const response = await doFetch(buildUrl(options.baseUrl, path, init.query), {
      method,
      headers,
      body: hasBody ? JSON.stringify(init.body) : null,
      signal: init.signal ?? null,
      // The session cookie (and the consent flow's binding cookie) go with same-origin calls.
      credentials: 'same-origin',
    });

    if (!response.ok) {
      const error = await problemFrom(response);
      const wasSignedIn = token !== null || (options.isSignedIn?.() ?? false);
      if (response.status === 401 && wasSignedIn) options.onUnauthorized?.();
      throw error;
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  return {
    get: (path, o) => request('GET', path, o),
    post: (path, body, o) => request('POST', path, { ...o, body }),
    put: (path, body, o) => request('PUT', path, { ...o, body }),
    delete: (path, o) => request('DELETE', path, o),
    url: (path, query) => buildUrl(options.baseUrl, path, query),
  };
}

let client = createHttpClient({ baseUrl: '/api/v1' });

/** Wires the shared client to the session (main.ts; tests point it at a local server). */
export function configureHttp(config: {
  getToken?: () => string | null;
  isSignedIn?: () => boolean;
  onUnauthorized: () => void;
  baseUrl?: string;
}): void {
  client = createHttpClient({ baseUrl: '/api/v1', ...config });
}

/** The SPA's HTTP client; feature `*.api.ts` files are its only callers. */
export const http: HttpClient = {
  get: (path, options) => client.get(path, options),
  post: (path, body, options) => client.post(path, body, options),
  put: (path, body, options) => client.put(path, body, options),
  delete: (path, options) => client.delete(path, options),
  url: (path, query) => client.url(path, query),
};
