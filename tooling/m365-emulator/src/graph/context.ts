import type { EmuReply, EmuRequest } from '../http/types';
import type { EmulatorState } from '../state/emulator-state';
import type { ChangeEmitter } from './mail/mail-actions';
import type { Preferences } from './odata';
import type { Principal } from './principal';
import type { MailboxThrottle } from './throttle';

export interface GraphCtx {
  state: EmulatorState;
  req: EmuRequest;
  principal: Principal;
  prefs: Preferences;
  /** "https://host:port/v1.0" for links. */
  root: string;
  throttle: MailboxThrottle;
  /** Reports Outlook changes so subscriptions can notify. */
  notify: ChangeEmitter;
  /** The Graph service, for requests that run other requests ($batch). */
  graph: {
    handle(req: EmuRequest, versionless: string, opts?: { latencyMs?: number }): Promise<EmuReply>;
    /** The app + tenant + mailbox a request targets, for throttling and the request log. */
    mailboxKeyOf(
      req: EmuRequest,
      versionless: string,
    ): { appId: string; tenantId: string; mailbox: string } | undefined;
  };
}

export type GraphHandler = (ctx: GraphCtx, params: string[]) => EmuReply | Promise<EmuReply>;

export interface GraphRoute {
  method: string;
  pattern: RegExp;
  handler: GraphHandler;
  /** Index of the capture group naming the mailbox owner, for per-mailbox throttling. */
  mailboxParam?: number;
}

export function ok(body: unknown, status = 200, headers: Record<string, string> = {}): EmuReply {
  return { status, body, headers };
}
