import { constants, createSign, createVerify, type KeyObject } from 'node:crypto';

import { fromBase64Url, toBase64Url } from './base64url';

export type JwtHeader = Record<string, unknown> & { alg?: string; kid?: string; x5t?: string };
export type JwtPayload = Record<string, unknown>;

export interface DecodedJwt {
  header: JwtHeader;
  payload: JwtPayload;
  signingInput: string;
  signature: Buffer;
}

export function signJwt(
  header: JwtHeader,
  payload: JwtPayload,
  privateKey: KeyObject | string,
): string {
  const input = `${toBase64Url(JSON.stringify({ typ: 'JWT', alg: 'RS256', ...header }))}.${toBase64Url(JSON.stringify(payload))}`;
  const signer = createSign('RSA-SHA256');
  signer.update(input);
  return `${input}.${toBase64Url(signer.sign(privateKey))}`;
}

export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  try {
    const header = JSON.parse(fromBase64Url(h).toString('utf8')) as unknown;
    const payload = JSON.parse(fromBase64Url(p).toString('utf8')) as unknown;
    if (
      typeof header !== 'object' ||
      header === null ||
      typeof payload !== 'object' ||
      payload === null
    ) {
      return undefined;
    }
    return {
      header: header as JwtHeader,
      payload: payload as JwtPayload,
      signingInput: `${h}.${p}`,
      signature: fromBase64Url(s),
    };
  } catch {
    return undefined;
  }
}

/** Verifies an RS256 or PS256 signature. */
export function verifyJwtSignature(jwt: DecodedJwt, publicKey: KeyObject): boolean {
  const alg = jwt.header.alg;
  if (alg !== 'RS256' && alg !== 'PS256') return false;
  const verifier = createVerify('RSA-SHA256');
  verifier.update(jwt.signingInput);
  try {
    if (alg === 'PS256') {
      return verifier.verify(
        {
          key: publicKey,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_AUTO,
        },
        jwt.signature,
      );
    }
    return verifier.verify(publicKey, jwt.signature);
  } catch {
    return false;
  }
}
