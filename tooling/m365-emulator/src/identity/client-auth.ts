import type { EmuReply, EmuRequest } from '../http/types';
import type { AppRegistration } from '../state/app';
import type { EmulatorState } from '../state/emulator-state';
import { toBase64Url } from '../util/base64url';
import { decodeJwt, verifyJwtSignature } from '../util/jwt';
import { aadError } from './aad-errors';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export type ClientAuthResult =
  { ok: true; app: AppRegistration; appidacr: '1' | '2' } | { ok: false; reply: EmuReply };

function basicCredentials(req: EmuRequest): { id: string; secret: string } | undefined {
  const h = req.headers.authorization;
  if (!h?.toLowerCase().startsWith('basic ')) return undefined;
  const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  // RFC 6749 2.3.1: both parts are form-urlencoded before base64.
  const dec = (s: string): string => decodeURIComponent(s.replace(/\+/g, ' '));
  return { id: dec(decoded.slice(0, i)), secret: dec(decoded.slice(i + 1)) };
}

/** The client id the request names (body or HTTP Basic). */
export function requestClientId(req: EmuRequest, params: URLSearchParams): string | undefined {
  return params.get('client_id') ?? basicCredentials(req)?.id;
}

/**
 * Authenticates the confidential client by the secret (body or Basic) or certificate assertion of
 * the app its client id names, checking the assertion's signature, thumbprint, audience, issuer,
 * subject and lifetime. The caller has already refused client ids that are none of Rox's apps.
 */
export function authenticateClient(
  state: EmulatorState,
  req: EmuRequest,
  params: URLSearchParams,
  acceptedAudiences: string[],
  correlationId: string,
): ClientAuthResult {
  const now = state.now();
  const fail = (
    status: number,
    error: string,
    code: number,
    message: string,
  ): ClientAuthResult => ({
    ok: false,
    reply: aadError({ status, error, code, message, correlationId, now }),
  });
  const basic = basicCredentials(req);
  const clientId = params.get('client_id') ?? basic?.id;
  if (!clientId)
    return fail(
      400,
      'invalid_request',
      900144,
      "The request body must contain the following parameter: 'client_id'.",
    );
  const app = state.findApp(clientId);
  if (!app)
    return fail(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory.`,
    );
  const secret = params.get('client_secret') ?? basic?.secret;
  const assertion = params.get('client_assertion');
  if (secret !== undefined && secret !== null) {
    if (secret !== app.clientSecret) {
      return fail(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      );
    }
    return { ok: true, app, appidacr: '1' };
  }
  if (assertion) {
    if (params.get('client_assertion_type') !== JWT_BEARER) {
      return fail(
        400,
        'invalid_request',
        900144,
        "The request body must contain the following parameter: 'client_assertion_type'.",
      );
    }
    const jwt = decodeJwt(assertion);
    if (!jwt)
      return fail(
        401,
        'invalid_client',
        700027,
        'Client assertion failed signature validation. The token is not a valid JWT.',
      );
    const x5t = jwt.header.x5t;
    const x5tS256 = jwt.header['x5t#S256'];
    const sha1 = toBase64Url(Buffer.from(app.thumbprintSha1, 'hex'));
    const sha256 = toBase64Url(Buffer.from(app.thumbprintSha256, 'hex'));
    if (x5t !== sha1 && x5tS256 !== sha256) {
      return fail(
        401,
        'invalid_client',
        700027,
        `Client assertion failed signature validation. Trace ID: none. Key was not found. Thumbprint of key used by client: '${String(x5t ?? x5tS256)}'. Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${clientId}'.`,
      );
    }
    if (!verifyJwtSignature(jwt, state.appPublicKey)) {
      return fail(401, 'invalid_client', 700027, 'Client assertion failed signature validation.');
    }
    const p = jwt.payload;
    if (p.iss !== clientId || p.sub !== clientId) {
      return fail(
        401,
        'invalid_client',
        700021,
        "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .",
      );
    }
    if (
      typeof p.aud !== 'string' ||
      !acceptedAudiences.some((a) => a.toLowerCase() === String(p.aud).toLowerCase())
    ) {
      return fail(
        401,
        'invalid_client',
        700212,
        `No matching federated identity record found for presented assertion audience '${String(p.aud)}'.`,
      );
    }
    const nowS = Math.floor(now.getTime() / 1000);
    const exp = typeof p.exp === 'number' ? p.exp : 0;
    const nbf = typeof p.nbf === 'number' ? p.nbf : 0;
    if (exp < nowS - 300 || nbf > nowS + 300) {
      return fail(
        401,
        'invalid_client',
        700024,
        `Client assertion is not within its valid time range. Current time: ${now.toISOString()}, assertion valid from ${new Date(nbf * 1000).toISOString()}, expiry time of assertion ${new Date(exp * 1000).toISOString()}. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .`,
      );
    }
    return { ok: true, app, appidacr: '2' };
  }
  return fail(
    400,
    'invalid_client',
    7000218,
    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  );
}
