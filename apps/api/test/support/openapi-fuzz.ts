import { Agent, request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';

/** One operation of the served OpenAPI document, reduced to what the fuzzer needs. */
export interface FuzzOperation {
  method: string;
  /** OpenAPI path, e.g. `/api/v1/members/{roxUserId}`. */
  path: string;
  /** `x-roles`: `public`, or the roles allowed to call it. */
  roles: string[];
  pathParams: string[];
  queryParams: { name: string; schema: JsonSchema }[];
  body: JsonSchema | null;
}

export type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** One request to send: the URL is sent byte for byte, so it may be malformed on purpose. */
export interface FuzzRequest {
  label: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Close the connection after this one (the server may answer before reading the body). */
  isOneShot?: boolean;
}

export interface FuzzResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export function operationsOf(doc: OpenApiDocument): FuzzOperation[] {
  const ops: FuzzOperation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? []) as { name: string; in: string; schema: JsonSchema }[];
      const requestBody = op.requestBody as
        { content?: Record<string, { schema?: JsonSchema }> } | undefined;
      const bodyRef = requestBody?.content?.['application/json']?.schema;
      ops.push({
        method: method.toUpperCase(),
        path,
        roles: (op['x-roles'] ?? []) as string[],
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: resolve(doc, p.schema) })),
        body: bodyRef ? resolve(doc, bodyRef) : null,
      });
    }
  }
  return ops;
}

function resolve(doc: OpenApiDocument, schema: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.replace('#/components/schemas/', '');
  const target = doc.components?.schemas?.[name];
  if (!target) throw new Error(`unresolved ${ref}`);
  return resolve(doc, target);
}

/** A plausible valid value for a schema, so one mutation at a time reaches deep validation. */
export function sampleOf(doc: OpenApiDocument, raw: JsonSchema): unknown {
  const schema = resolve(doc, raw);
  if ('default' in schema) return schema.default;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (variants) {
    const concrete = variants.find((v) => v.type !== 'null') ?? variants[0];
    return concrete ? sampleOf(doc, concrete) : null;
  }
  const type = Array.isArray(schema.type)
    ? (schema.type as string[]).find((t) => t !== 'null')
    : schema.type;
  switch (type) {
    case 'string':
      if (schema.format === 'email') return 'fuzz@contoso.com';
      if (schema.format === 'date-time') return '2026-01-15T10:00:00Z';
      if (schema.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
      return 'fuzz'.padEnd(Number(schema.minLength ?? 0), 'z');
    case 'integer':
    case 'number':
      return Number(schema.minimum ?? 1);
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((schema.required ?? []) as string[]);
      return Object.fromEntries(
        Object.entries(props)
          .filter(([name]) => required.has(name))
          .map(([name, prop]) => [name, sampleOf(doc, prop)]),
      );
    }
    default:
      return 'fuzz';
  }
}

const b64 = (text: string) => Buffer.from(text).toString('base64url');

/** Strings that must never cost more than a 400, wherever they appear. */
export function junkStrings(cursorLists: readonly string[]): string[] {
  return [
    'a\u0000b',
    '\u0000',
    '\ud800',
    'x\udc00y',
    '\udbff\udfff',
    '0000-01-01T00:00:00Z',
    '0000-12-31T23:59:59.999Z',
    '0001-01-01T00:00:00+14:00',
    '0000-00-00T00:00:00Z',
    '-271821-04-20T00:00:00Z',
    '+275760-09-13T00:00:00.001Z',
    '9999-12-31T23:59:59-23:59',
    '2024-02-30T00:00:00Z',
    'x'.repeat(5000),
    '',
    ' ',
    '../../etc/passwd',
    "'; drop table member; --",
    '\u202e😀\u200b',
    'NaN',
    '-1',
    '1e309',
    '99999999999999999999',
    ...cursorLists.flatMap((list) => [
      b64(`${list}:\u0000`),
      b64(`${list}:99999999999999999999`),
      b64(`${list}:-1`),
      b64(`${list}:${'x'.repeat(150)}`),
    ]),
  ];
}

/** Already-encoded URL fragments: invalid percent-encoding, encoded NUL, lone and overlong UTF-8. */
export const RAW_URL_JUNK = [
  '%00',
  '%ED%A0%80',
  '%ED%BF%BF',
  '%C0%AF',
  '%E0%80%80',
  '%',
  '%zz',
  '%FF',
];

/** JSON values of every wrong type. */
export function junkJson(): unknown[] {
  let deep: unknown = 'bottom';
  for (let i = 0; i < 40; i += 1) deep = [deep];
  return [
    null,
    0,
    -1,
    1e308,
    true,
    [],
    {},
    [null, '\u0000'],
    deep,
    JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}') as unknown,
    { 'a\u0000': 1, '\ud800': 2 },
    Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i])),
    Array.from({ length: 1000 }, () => 'x'),
  ];
}

/** mulberry32: a small seeded generator, so every run sends the same requests. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('empty choice');
  return item;
}

export interface VariantOptions {
  doc: OpenApiDocument;
  /** The token to call the operation with (undefined for public routes). */
  token: string | undefined;
  /** List names whose cursors are forged (e.g. `members`). */
  cursorLists: readonly string[];
  seed: number;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/**
 * Every malformed variant of one operation: each path and query parameter (and one undeclared
 * parameter) set to junk, each body field set to junk strings and wrong types, whole bodies that
 * are not JSON, not UTF-8, too large, too deep or of another media type, and seeded random mixes.
 */
export function variantsOf(op: FuzzOperation, options: VariantOptions): FuzzRequest[] {
  const { doc, token } = options;
  const random = seeded(options.seed);
  const strings = junkStrings(options.cursorLists);
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const pathValues = Object.fromEntries(op.pathParams.map((p) => [p, 'fuzz-id']));
  const baseBody = op.body ? sampleOf(doc, op.body) : undefined;
  const hasBody = op.body !== null;

  const urlOf = (pathRaw: Record<string, string>, query: string) =>
    op.path.replace(/\{(\w+)\}/g, (_, name: string) => pathRaw[name] ?? 'fuzz-id') +
    (query ? `?${query}` : '');
  const baseUrl = urlOf(pathValues, '');
  const send = (label: string, init: Partial<FuzzRequest> = {}): FuzzRequest => ({
    label: `${op.method} ${op.path} ${label}`,
    method: op.method,
    url: init.url ?? baseUrl,
    headers: {
      ...auth,
      ...(hasBody || init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    body: init.body ?? (hasBody ? json(baseBody) : undefined),
    isOneShot: init.isOneShot,
  });
  const encodeJunk = (value: string): string | null => {
    try {
      return encodeURIComponent(value);
    } catch {
      return null; // a lone surrogate has no UTF-8 form; RAW_URL_JUNK sends its bytes instead
    }
  };

  const out: FuzzRequest[] = [send('baseline')];

  for (const param of op.pathParams) {
    const raws = [
      ...strings.map(encodeJunk).filter((v): v is string => v !== null && v !== ''),
      ...RAW_URL_JUNK,
    ];
    for (const raw of raws) {
      out.push(
        send(`path ${param}=${raw.slice(0, 40)}`, {
          url: urlOf({ ...pathValues, [param]: raw }, ''),
        }),
      );
    }
  }

  const queryParams = [...op.queryParams.map((q) => q.name), 'x'];
  for (const name of queryParams) {
    const isDeclared = name !== 'x';
    const raws = isDeclared
      ? [
          ...strings.map(encodeJunk).filter((v): v is string => v !== null),
          ...RAW_URL_JUNK,
          `a&${name}=b`,
          `${RAW_URL_JUNK[0]}&${name}=${RAW_URL_JUNK[1]}`,
        ]
      : ['%00', '%ED%A0%80', '%zz'];
    for (const raw of raws) {
      out.push(
        send(`query ${name}=${raw.slice(0, 40)}`, { url: urlOf(pathValues, `${name}=${raw}`) }),
      );
    }
    if (isDeclared) {
      out.push(send(`query ${name}[k]=v`, { url: urlOf(pathValues, `${name}%5Bk%5D=v`) }));
      out.push(send(`query %00${name}=v`, { url: urlOf(pathValues, `%00${name}=v`) }));
    }
  }

  if (hasBody && baseBody && typeof baseBody === 'object') {
    const props = Object.keys(op.body?.properties ?? {});
    for (const field of props) {
      for (const value of [...strings, ...junkJson()]) {
        out.push(
          send(`body.${field}=${JSON.stringify(value)?.slice(0, 40)}`, {
            body: json({ ...baseBody, [field]: value }),
          }),
        );
      }
      for (const value of ['\u0000', '\ud800', 'x'.repeat(5000)]) {
        out.push(
          send(`body.${field}=[${JSON.stringify(value).slice(0, 20)}]`, {
            body: json({ ...baseBody, [field]: [value] }),
          }),
        );
      }
      // A lone surrogate as a JSON escape, exactly as a client would send it.
      out.push(
        send(`body.${field} escaped surrogate`, {
          body: Buffer.from(`{"${field}":"\\ud800"}`),
        }),
      );
    }
    for (let i = 0; i < 10; i += 1) {
      const mixed: Record<string, unknown> = { ...(baseBody as Record<string, unknown>) };
      const count = 1 + Math.floor(random() * 3);
      for (let j = 0; j < count; j += 1) {
        const field = random() < 0.8 && props.length > 0 ? pick(random, props) : `junk${j}`;
        mixed[field] = random() < 0.6 ? pick(random, strings) : pick(random, junkJson());
      }
      out.push(send(`body random #${i}`, { body: json(mixed) }));
    }
  }

  // Whole-body junk, on every route that takes a body or might read one.
  if (hasBody || op.method !== 'GET') {
    const bodies: [string, Buffer, Record<string, string>][] = [
      ['invalid JSON', Buffer.from('{"email":'), { 'content-type': 'application/json' }],
      ['empty JSON', Buffer.from(''), { 'content-type': 'application/json' }],
      ['JSON null', Buffer.from('null'), { 'content-type': 'application/json' }],
      ['JSON number', Buffer.from('1'), { 'content-type': 'application/json' }],
      ['JSON string', Buffer.from('"x"'), { 'content-type': 'application/json' }],
      ['JSON array', Buffer.from('[1,2]'), { 'content-type': 'application/json' }],
      ['NUL in JSON', Buffer.from('{"a":"\\u0000"}'), { 'content-type': 'application/json' }],
      ['surrogate key', Buffer.from('{"\\udc00":1}'), { 'content-type': 'application/json' }],
      [
        'not UTF-8',
        Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
        { 'content-type': 'application/json' },
      ],
      ['BOM', Buffer.from('\ufeff{}'), { 'content-type': 'application/json' }],
      [
        'deep',
        Buffer.from(`${'['.repeat(5000)}${']'.repeat(5000)}`),
        { 'content-type': 'application/json' },
      ],
      [
        'very deep',
        Buffer.from(`${'['.repeat(200_000)}${']'.repeat(200_000)}`),
        { 'content-type': 'application/json' },
      ],
      ['text/plain', json(baseBody ?? {}), { 'content-type': 'text/plain' }],
      ['xml', Buffer.from('<a/>'), { 'content-type': 'application/xml' }],
      ['form', Buffer.from('a=b&c=%00'), { 'content-type': 'application/x-www-form-urlencoded' }],
      ['latin1 JSON', json(baseBody ?? {}), { 'content-type': 'application/json; charset=latin1' }],
      ['no content-type', json(baseBody ?? {}), {}],
      [
        'gzip garbage',
        Buffer.from('not gzip at all'),
        { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      ],
      [
        'gzip NUL',
        gzipSync(Buffer.from('{"a":"\\u0000"}')),
        { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      ],
      [
        'unknown encoding',
        json(baseBody ?? {}),
        { 'content-type': 'application/json', 'content-encoding': 'x-rot13' },
      ],
    ];
    for (const [label, body, headers] of bodies) {
      out.push(
        send(`body ${label}`, {
          body,
          headers: { 'content-type': '', ...headers },
        }),
      );
    }
    out.push(
      send('body over 1 MB', {
        body: json({ x: 'a'.repeat(1_200_000) }),
        headers: { 'content-type': 'application/json' },
        isOneShot: true,
      }),
    );
  }
  return out;
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });

/** Sends one request exactly as given (no URL normalisation, no retries). */
export function sendRaw(origin: string, req: FuzzRequest): Promise<FuzzResponse> {
  const { hostname, port } = new URL(origin);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== '') headers[k] = v;
  if (req.body) headers['content-length'] = String(req.body.length);
  return new Promise((resolve, reject) => {
    let isAnswered = false;
    const outgoing = httpRequest(
      {
        hostname,
        port,
        method: req.method,
        path: req.url,
        headers: req.isOneShot ? { ...headers, connection: 'close' } : headers,
        agent: req.isOneShot ? false : keepAlive,
      },
      (res) => {
        isAnswered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    // The server may answer (413) and close before the whole body is written.
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    outgoing.on('close', () => {
      if (!isAnswered) reject(new Error(`${req.label}: connection closed without an answer`));
    });
    outgoing.end(req.body);
  });
}

export function closeFuzzAgent(): void {
  keepAlive.destroy();
}
