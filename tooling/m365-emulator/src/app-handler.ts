import type { ControlApi } from './control/control-api';
import { defaultFaultCode, graphError } from './graph/errors';
import { routeUpload } from './graph/mail/attachment-uploads';
import type { GraphService } from './graph/router';
import type { EmuReply, EmuRequest } from './http/types';
import { routeIdentity } from './identity/router';
import { routePortal } from './portal/portal';
import type { EmulatorState } from './state/emulator-state';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The single entry point: faults and logging around the login, Graph, portal and control routes. */
export function createAppHandler(
  state: EmulatorState,
  graph: GraphService,
  control: ControlApi,
): (req: EmuRequest) => Promise<EmuReply> {
  const upload = (req: EmuRequest): EmuReply | undefined =>
    routeUpload(state, req, (...args) => graph.notify(...args));
  return async (req) => {
    if (req.path.startsWith('/_emulator/') || req.path === '/_emulator') return control.handle(req);
    req.arrival ??= graph.throttle.arrive();
    const isGraph = req.path.startsWith('/v1.0/') || req.path === '/v1.0';
    const versionless = isGraph ? req.path.slice('/v1.0'.length) : '';
    const key = isGraph ? graph.mailboxKeyOf(req, versionless) : undefined;
    const fault = state.faults.take(
      req.method,
      `${req.path}${req.rawQuery ? `?${req.rawQuery}` : ''}`,
    );
    let reply: EmuReply;
    if (fault?.afterExecute) {
      // The server did the work; only the answer goes missing (a 504 or a reset after a write).
      const executed = isGraph
        ? await graph.handle(req, versionless, {})
        : (upload(req) ?? routeIdentity(state, req) ?? routePortal(state, req));
      if (fault.latencyMs) await sleep(fault.latencyMs);
      reply =
        fault.resetConnection || !fault.status
          ? { status: 0, resetConnection: true }
          : graphError(
              req,
              fault.status,
              fault.errorCode ?? defaultFaultCode(fault.status),
              `Injected fault after execution (the request ran with ${executed?.status ?? 404}).`,
              {},
              state.now(),
            );
    } else if (fault?.resetConnection) {
      if (fault.latencyMs) await sleep(fault.latencyMs);
      reply = { status: 0, resetConnection: true };
    } else if (fault?.status) {
      if (fault.latencyMs) await sleep(fault.latencyMs);
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) {
        headers['retry-after'] = String(fault.retryAfterSeconds);
        if (key)
          graph.throttle.block(key.appId, key.tenantId, key.mailbox, fault.retryAfterSeconds, req);
      }
      const code = fault.errorCode ?? defaultFaultCode(fault.status);
      const message = fault.status === 429 ? 'Please retry again later.' : 'Injected fault.';
      reply = graphError(req, fault.status, code, message, headers, state.now());
    } else if (isGraph) {
      reply = await graph.handle(
        req,
        versionless,
        fault?.latencyMs ? { latencyMs: fault.latencyMs } : {},
      );
    } else {
      if (fault?.latencyMs) await sleep(fault.latencyMs);
      reply =
        upload(req) ??
        routeIdentity(state, req) ??
        routePortal(state, req) ??
        graphError(
          req,
          404,
          'NotFound',
          `No emulated endpoint at ${req.method} ${req.path}.`,
          {},
          state.now(),
        );
    }
    state.log.record({
      at: state.now().toISOString(),
      method: req.method,
      path: req.path,
      query: req.rawQuery,
      status: reply.status,
      ...(key ? { appId: key.appId, tenantId: key.tenantId, mailbox: key.mailbox } : {}),
      ...(fault ? { fault: fault.id } : {}),
      ...(req.headers.prefer ? { prefer: req.headers.prefer } : {}),
    });
    return reply;
  };
}
