export function toBase64Url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

export function fromBase64Url(input: string): Buffer {
  return Buffer.from(input, 'base64url');
}

/** Encodes a JSON value as an opaque URL-safe token. */
export function encodeToken(value: unknown): string {
  return toBase64Url(JSON.stringify(value));
}

/** Decodes a token made by encodeToken; undefined when it is not one. */
export function decodeToken(token: string): unknown {
  try {
    return JSON.parse(fromBase64Url(token).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
