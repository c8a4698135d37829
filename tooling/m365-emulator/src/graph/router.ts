import type { EmuReply, EmuRequest } from '../http/types';
import type { EmulatorState } from '../state/emulator-state';
import { decodeJwt } from '../util/jwt';
import type { GraphCtx, GraphRoute } from './context';
import { graphError, GraphHttpError } from './errors';
import { parsePrefer, preferenceApplied } from './odata';
import { authenticate } from './principal';
import { MailboxThrottle } from './throttle';

export const GRAPH_JSON =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export interface GraphHandleOptions {
  /** Injected latency, spent while the request counts as in flight for its mailbox. */
  latencyMs?: number;
}

export interface MailboxKey {
  appId: string;
  tenantId: string;
  mailbox: string;
}

/** Rewrites OData key segments like mailFolders('inbox') or users('x') to plain path segments. */
export function normalizeGraphPath(path: string): string {
  let p = path;
  try {
    p = p
      .split('/')
      .map((s) => decodeURIComponent(s))
      .join('/');
  } catch {
    // keep the raw path
  }
  return p.replace(/\/([A-Za-z.]+)\('([^']*)'\)/g, '/$1/$2').replace(/\/$/, '') || '/';
}

export class GraphService {
  readonly throttle: MailboxThrottle;
  notify: GraphCtx['notify'] = () => undefined;
  private readonly extraRoutes: GraphRoute[] = [];

  constructor(
    private readonly state: EmulatorState,
    private readonly routes: GraphRoute[],
  ) {
    this.throttle = new MailboxThrottle(state);
  }

  /** Adds routes that need the service itself (e.g. $batch). */
  addRoutes(routes: GraphRoute[]): void {
    this.extraRoutes.push(...routes);
  }

  private match(method: string, path: string): { route: GraphRoute; params: string[] } | undefined {
    for (const route of [...this.extraRoutes, ...this.routes]) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (m) return { route, params: m.slice(1).map((x) => x ?? '') };
    }
    return undefined;
  }

  /** The app+tenant+mailbox a request targets (from the unverified token), for throttling and logs. */
  mailboxKeyOf(req: EmuRequest, versionless: string): MailboxKey | undefined {
    const found = this.match(req.method, normalizeGraphPath(versionless));
    if (!found || found.route.mailboxParam === undefined) return undefined;
    const token = (req.headers.authorization ?? '').replace(/^bearer\s+/i, '');
    const jwt = decodeJwt(token);
    if (!jwt) return undefined;
    const tid = typeof jwt.payload.tid === 'string' ? jwt.payload.tid : '';
    const appId = typeof jwt.payload.appid === 'string' ? jwt.payload.appid : '';
    const tenant = this.state.tenants.get(tid);
    if (!tenant) return undefined;
    const seg = found.params[found.route.mailboxParam] || 'me';
    const user =
      seg.toLowerCase() === 'me'
        ? typeof jwt.payload.oid === 'string'
          ? tenant.users.get(jwt.payload.oid)
          : undefined
        : tenant.findUser(seg);
    return user ? { appId, tenantId: tenant.id, mailbox: user.id } : undefined;
  }

  /** Handles a request whose path starts after "/v1.0". */
  async handle(
    req: EmuRequest,
    versionless: string,
    opts: GraphHandleOptions = {},
  ): Promise<EmuReply> {
    const reply = await this.dispatch(req, versionless, opts);
    const headers: Record<string, string> = {
      'request-id': req.requestId,
      'client-request-id': req.headers['client-request-id'] ?? req.requestId,
      'x-ms-ags-diagnostic': JSON.stringify({
        ServerInfo: {
          DataCenter: 'Emulator',
          Slice: 'E',
          Ring: '0',
          ScaleUnit: '000',
          RoleInstance: 'EMU',
        },
      }),
      'strict-transport-security': 'max-age=31536000',
      'odata-version': '4.0',
      ...(reply.headers ?? {}),
    };
    if (
      reply.body !== undefined &&
      typeof reply.body !== 'string' &&
      !Buffer.isBuffer(reply.body) &&
      !headers['content-type']
    ) {
      headers['content-type'] = GRAPH_JSON;
    }
    return { ...reply, headers };
  }

  private async dispatch(
    req: EmuRequest,
    versionless: string,
    opts: GraphHandleOptions,
  ): Promise<EmuReply> {
    const path = normalizeGraphPath(versionless);
    const found = this.match(req.method, path);
    const now = this.state.now();
    if (!found) {
      const anyMethod = [...this.extraRoutes, ...this.routes].some((r) => r.pattern.test(path));
      if (anyMethod)
        return graphError(
          req,
          405,
          'Request_BadRequest',
          `The HTTP method '${req.method}' is not allowed for this resource.`,
          {},
          now,
        );
      const segment = path.split('/').filter(Boolean).pop() ?? '';
      return graphError(
        req,
        400,
        'BadRequest',
        `Resource not found for the segment '${segment}'.`,
        {},
        now,
      );
    }
    let release: (() => void) | undefined;
    try {
      const principal = authenticate(this.state, req);
      if (found.route.mailboxParam !== undefined) {
        const key = this.mailboxKeyOf(req, versionless);
        if (key) {
          const decision = this.throttle.enter(key.appId, key.tenantId, key.mailbox, path, req);
          if (!decision.ok) {
            const retryAfter = String(Math.round(decision.retryAfterSeconds * 1000) / 1000);
            return graphError(
              req,
              429,
              'ApplicationThrottled',
              decision.message,
              { 'retry-after': retryAfter },
              now,
            );
          }
          release = decision.release;
        }
      }
      if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
      const prefs = parsePrefer(req);
      const ctx: GraphCtx = {
        state: this.state,
        req,
        principal,
        prefs,
        root: `${req.origin}/v1.0`,
        throttle: this.throttle,
        notify: (...args) => this.notify(...args),
        graph: this,
      };
      const reply = await found.route.handler(ctx, found.params);
      return { ...reply, headers: { ...preferenceApplied(prefs), ...(reply.headers ?? {}) } };
    } catch (e) {
      if (e instanceof GraphHttpError)
        return graphError(req, e.status, e.code, e.message, e.headers, now);
      throw e;
    } finally {
      release?.();
    }
  }
}
