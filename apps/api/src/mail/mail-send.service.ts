import { randomUUID } from 'node:crypto';

import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import {
  type MailSendStatus,
  type SendMailAttachment,
  type SendMailRequest,
} from '@rox365/contracts';
import {
  attachFile,
  createDraft,
  createReplyDraft,
  findByInternetMessageId,
  GraphRequestError,
  IdentityError,
  listAttachments,
  SEND_MAIL_MAX_REQUEST_BYTES,
  sendDraft,
  sendMail,
  sendMailRequestBytes,
  type DraftInput,
  type GraphClient,
  type IdentityErrorKind,
} from '@rox365/graph-client';

import { AppConfig } from '../config/app-config';
import { ConnectionReader } from '../consent/connection-reader.service';
import { MailboxAccess } from '../consent/mailbox-access.service';
import { MailboxRepository } from '../mailboxes/mailbox.repository';
import { RestrictionPolicy } from '../mailboxes/restriction-policy.service';
import { AuditLog } from '../platform/audit/audit-log.service';
import { Cipher } from '../platform/crypto/cipher.service';
import { isDomainError, RETRYABLE_KINDS } from '../platform/errors/domain-error';
import { Clock } from '../platform/time/clock';
import { MailSend } from './entities/mail-send.entity';
import { MailJobs } from './mail-jobs.service';
import { MAIL_SEND_CONTENT_COLUMN } from './mail.constants';
import { MailError, MailErrorCode } from './mail.errors';

interface SendContent {
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  body: { contentType: 'text' | 'html'; content: string };
  comment?: string;
  /** Files, base64: sealed with the rest until the send ends. */
  attachments?: SendMailAttachment[];
}

/**
 * Send as a member. The request is checked locally (scope, level, restricted user) before
 * anything reaches Graph; the worker then sends once: a draft and /send with Mail.ReadWrite, else
 * sendMail. A lost answer is resolved by looking the message up (its draft id or the
 * internetMessageId Rox set), never by sending again blindly.
 */
@Injectable()
export class MailSendService {
  constructor(
    private readonly em: EntityManager,
    private readonly mailboxes: MailboxRepository,
    private readonly connections: ConnectionReader,
    private readonly access: MailboxAccess,
    private readonly policy: RestrictionPolicy,
    private readonly jobs: MailJobs,
    private readonly cipher: Cipher,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /** HTTP: refuse locally or store the send and queue it; the same key returns the first one. */
  async request(orgId: string, input: SendMailRequest): Promise<MailSendStatus> {
    const existing = await this.em.findOne(MailSend, {
      orgId,
      roxUserId: input.roxUserId,
      idempotencyKey: input.idempotencyKey,
    });
    if (existing) return toStatus(existing);

    const mailbox = await this.mailboxes.find(orgId, input.roxUserId);
    if (!mailbox) refuse('MAIL_MEMBER_NOT_FOUND', 'not_found', 'No such member.');
    if (this.policy.isRestrictedMailbox(mailbox, await this.policy.restrictions(orgId))) {
      refuse('MAIL_SEND_RESTRICTED_USER', 'forbidden', 'The member is a restricted user.');
    }
    if (!mailbox.mailInScope) {
      refuse(
        'MAIL_SEND_OUT_OF_SCOPE',
        'forbidden',
        `The member's mail is not in scope: ${mailbox.mailReason ?? 'not synced'}.`,
      );
    }
    if (mailbox.mailEffective !== 'read_send') {
      refuse(
        'MAIL_SEND_NOT_ALLOWED',
        'forbidden',
        `The member's email level (${mailbox.mailEffective}) does not include sending.`,
      );
    }
    const connection = await this.connections.connection(orgId);
    const mode =
      connection?.grantedPermissions.includes('Mail.ReadWrite') === true ? 'draft' : 'send_mail';
    const attachmentBytes = this.checkAttachments(input.attachments);
    let replyToGraphId: string | null = null;
    if (input.replyToMessageId !== undefined) {
      if (mode !== 'draft') {
        refuse(
          'MAIL_REPLY_NEEDS_READWRITE',
          'forbidden',
          'Replying in the thread needs Mail.ReadWrite (createReply); the grant has only Mail.Send.',
        );
      }
      const [link] = await this.em.execute<{ graph_id: string }[]>(
        'select graph_id from mail_message_link where org_id = ? and rox_user_id = ? and message_id = ? limit 1',
        [orgId, input.roxUserId, input.replyToMessageId],
      );
      if (!link) {
        refuse('MAIL_MESSAGE_NOT_FOUND', 'not_found', "No such message in the member's mailbox.");
      }
      replyToGraphId = link.graph_id;
    }
    const id = randomUUID();
    const domain = mailbox.email.split('@')[1] ?? 'rox.local';
    const content: SendContent = {
      to: input.to,
      cc: input.cc,
      bcc: input.bcc,
      subject: input.subject,
      body: input.body,
      ...(input.attachments.length > 0 ? { attachments: input.attachments } : {}),
    };
    const internetMessageId = `<${id}@${domain}>`;
    if (mode === 'send_mail') checkSendMailSize(content, internetMessageId);
    const send = new MailSend({
      id,
      orgId,
      roxUserId: input.roxUserId,
      idempotencyKey: input.idempotencyKey,
      mode,
      internetMessageId,
      replyToGraphId,
      replyAll: input.replyAll,
      contentSealed: this.cipher.encrypt(JSON.stringify(content), MAIL_SEND_CONTENT_COLUMN, orgId),
      now: this.clock.now(),
    });
    try {
      await this.em.transactional(async (em) => {
        em.persist(send);
        await em.flush();
        await this.audit.record({
          orgId,
          action: 'mail.send_requested',
          target: { type: 'mail_send', id },
          details: {
            roxUserId: input.roxUserId,
            mode,
            isReply: replyToGraphId !== null,
            attachments: input.attachments.length,
            attachmentBytes,
          },
        });
      });
    } catch (error) {
      // A concurrent request with the same key stored its send first: answer with that one.
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      const first = await this.em.findOne(
        MailSend,
        { orgId, roxUserId: input.roxUserId, idempotencyKey: input.idempotencyKey },
        { refresh: true },
      );
      if (!first) throw error;
      return toStatus(first);
    }
    await this.jobs.enqueueSend(orgId, id);
    return toStatus(send);
  }

  /** Where a send stands, with the Rox message of its Sent Items copy once a sync saw it. */
  async status(orgId: string, id: string): Promise<MailSendStatus> {
    const send = await this.em.findOne(MailSend, { orgId, id }, { refresh: true });
    if (!send) refuse('MAIL_SEND_NOT_FOUND', 'not_found', 'No such send.');
    const [synced] = await this.em.execute<{ id: string; conversation_id: string | null }[]>(
      'select id, conversation_id from mail_message where org_id = ? and internet_message_id = ?',
      [orgId, send.internetMessageId],
    );
    return {
      ...toStatus(send),
      roxMessageId: synced?.id ?? null,
      conversationId: synced?.conversation_id ?? null,
    };
  }

  /** Job body: one send, idempotent across attempts and killed workers. */
  async run(orgId: string, id: string): Promise<MailSendStatus> {
    try {
      return await this.attempt(orgId, id);
    } catch (error) {
      if (!(error instanceof GraphRequestError)) throw error;
      if (error.isThrottled || error.isTransient || isAmbiguous(error)) {
        // Refused by Graph (throttled) or looked up on the next attempt: safe to retry.
        throw new MailError(
          MailErrorCode.MAIL_GRAPH_THROTTLED,
          'rate_limited',
          'Retrying the send.',
          {
            cause: error,
            retryAfterMs: error.retryAfterMs ?? undefined,
          },
        );
      }
      const send = await this.em.findOne(MailSend, { orgId, id }, { refresh: true });
      if (send) await this.finish(send, 'failed', `GRAPH_${error.status}`);
      throw new MailError(
        MailErrorCode.MAIL_PERMISSION_DENIED,
        'forbidden',
        `Microsoft Graph refused the send (${error.code ?? error.status}).`,
        { cause: error },
      );
    }
  }

  private async attempt(orgId: string, id: string): Promise<MailSendStatus> {
    const send = await this.em.findOne(MailSend, { orgId, id }, { refresh: true });
    if (!send) refuse('MAIL_SEND_NOT_FOUND', 'not_found', 'No such send.');
    if (['sent', 'unknown_delivery', 'failed'].includes(send.status)) return toStatus(send);
    const mailbox = await this.mailboxes.find(orgId, send.roxUserId);
    if (
      !mailbox?.mailInScope ||
      mailbox.mailEffective !== 'read_send' ||
      this.policy.isRestrictedMailbox(mailbox, await this.policy.restrictions(orgId))
    ) {
      return this.finish(send, 'failed', 'MAIL_SEND_NOT_ALLOWED');
    }
    const grant = await this.access.forMailbox(orgId, {
      roxUserId: send.roxUserId,
      directoryUserId: mailbox.directoryUserId,
      kind: 'mail',
    });
    const content = JSON.parse(
      this.cipher.decrypt(send.contentSealed ?? '', MAIL_SEND_CONTENT_COLUMN, send.orgId),
    ) as SendContent;
    const message = draftMessage(content, send.internetMessageId);
    const files = content.attachments ?? [];
    const { client, ownerPath } = grant;
    // An attempt that finds the send already `sending` follows one that was cut off (a worker
    // killed, a lost job): the request may or may not have reached Graph.
    const wasCutOff = send.status === 'sending';
    if (send.status === 'queued') await this.claimSlot(send);

    if (send.mode === 'send_mail') {
      // Without read access Rox cannot look the message up: say so, never resend blindly.
      if (wasCutOff) return this.finish(send, 'unknown_delivery', 'MAIL_SEND_INTERRUPTED');
      send.status = 'sending';
      await this.save(send);
      // Set once the token is in hand and the request goes out.
      let left = false;
      try {
        await sendMail(client, ownerPath, sendMailMessage(content, send.internetMessageId), {
          beforeSend: () => {
            left = true;
            return Promise.resolve();
          },
        });
      } catch (error) {
        if (!left) {
          // Failed before the request left: nothing was sent. A token Microsoft will not give
          // (the app's credentials or consent gone, the member's sign-in revoked) ends the send;
          // any other failure (identity platform down) is tried again.
          if (isTokenRefused(error)) return this.finish(send, 'failed', 'MAIL_SEND_NOT_AUTHORIZED');
          send.status = 'queued';
          await this.save(send);
          throw error;
        }
        if (isAmbiguous(error))
          return this.finish(send, 'unknown_delivery', 'MAIL_SEND_ANSWER_LOST');
        if (isRefused(error)) {
          // Throttled (429): Graph did not run it; the next attempt sends, and claims a slot again.
          send.status = 'queued';
          await this.save(send);
        }
        throw error;
      }
      return this.finish(send, 'sent', null);
    }

    if (send.draftId !== null && wasCutOff) {
      // The cut-off attempt may have sent the draft already: look before sending it again.
      const [found] = await findByInternetMessageId(client, ownerPath, send.internetMessageId);
      if (found && !found.isDraft) return this.finish(send, 'sent', null);
    }
    if (send.draftId === null) {
      // A previous attempt may have created the draft (or even sent it) and lost the answer.
      const [found] = await findByInternetMessageId(client, ownerPath, send.internetMessageId);
      if (found) {
        send.draftId = found.id;
        if (!found.isDraft) return this.finish(send, 'sent', null);
      } else {
        const draft = send.replyToGraphId
          ? await createReplyDraft(client, ownerPath, send.replyToGraphId, {
              replyAll: send.replyAll,
              comment: content.body.content,
              // Recipients given replace what createReply(All) fills in; bcc has none of its own.
              message: {
                internetMessageId: send.internetMessageId,
                ...(content.to.length > 0 ? { toRecipients: message.toRecipients } : {}),
                ...(content.cc.length > 0 ? { ccRecipients: message.ccRecipients } : {}),
                ...(content.bcc.length > 0 ? { bccRecipients: message.bccRecipients } : {}),
              },
            })
          : await createDraft(client, ownerPath, message);
        send.draftId = draft.id;
      }
      send.status = 'sending';
      await this.save(send);
    }
    try {
      await attachMissing(client, ownerPath, send.draftId, files);
      await sendDraft(client, ownerPath, send.draftId);
    } catch (error) {
      const isGone = error instanceof GraphRequestError && error.isNotFound;
      if (!isAmbiguous(error) && !isGone) throw error;
      // The answer was lost (or the draft is gone because it was sent): look before resending.
      const [now] = await findByInternetMessageId(client, ownerPath, send.internetMessageId);
      if (now && !now.isDraft) return this.finish(send, 'sent', null);
      // Gone without a sent copy to show, after an attempt that may have sent it: Exchange sends
      // asynchronously, so that send may not be in Sent Items yet (or the member deleted the
      // draft); Rox cannot tell. Gone before any attempt sent it: nothing went out (failed).
      if (isGone && wasCutOff) return this.finish(send, 'unknown_delivery', 'MAIL_SEND_DRAFT_GONE');
      throw error;
    }
    return this.finish(send, 'sent', null);
  }

  /** The files' decoded total within the configured limit. */
  private checkAttachments(files: SendMailAttachment[]): number {
    const total = files.reduce((n, f) => n + Buffer.byteLength(f.contentBase64, 'base64'), 0);
    const max = this.config.mail.sendAttachmentsMaxBytes;
    if (total > max) {
      throw new MailError(
        MailErrorCode.MAIL_SEND_ATTACHMENTS_TOO_LARGE,
        'invalid',
        `The attachments come to ${total} bytes; a send carries at most ${max}.`,
        { fieldErrors: [{ path: 'body.attachments', message: `more than ${max} bytes` }] },
      );
    }
    return total;
  }

  /**
   * SEND-5: at most `sendsPerMinute` sends per mailbox per minute, counted in the database under a
   * per-mailbox lock (every worker shares it), so Exchange's limit is never discovered by errors.
   * Claiming the slot is moving the send to `sending`.
   */
  private async claimSlot(send: MailSend): Promise<void> {
    const windowMs = 60_000;
    const now = this.clock.now();
    await this.em.transactional(async (em) => {
      await em.execute(`select pg_advisory_xact_lock(hashtext('mail_send:' || ? || ':' || ?))`, [
        send.orgId,
        send.roxUserId,
      ]);
      const recent = await em.execute<{ updated_at: Date }[]>(
        `select updated_at from mail_send where org_id = ? and rox_user_id = ? and id <> ?
           and status in ('sending', 'sent', 'unknown_delivery') and updated_at > ?
         order by updated_at asc`,
        [send.orgId, send.roxUserId, send.id, new Date(now.getTime() - windowMs)],
      );
      if (recent.length >= this.config.mail.sendsPerMinute) {
        const oldest = new Date(recent[0]?.updated_at ?? now).getTime();
        throw new MailError(
          MailErrorCode.MAIL_SEND_PACED,
          'rate_limited',
          'This mailbox reached its sends per minute; the send waits for a slot.',
          { retryAfterMs: Math.max(oldest + windowMs - now.getTime(), 1_000) },
        );
      }
      send.status = 'sending';
      send.updatedAt = now;
      await em.execute('update mail_send set status = ?, updated_at = ? where id = ?', [
        'sending',
        now,
        send.id,
      ]);
    });
  }

  private async save(send: MailSend): Promise<void> {
    send.updatedAt = this.clock.now();
    await this.em.persistAndFlush(send);
  }

  private async finish(
    send: MailSend,
    status: 'sent' | 'unknown_delivery' | 'failed',
    reason: string | null,
  ): Promise<MailSendStatus> {
    send.status = status;
    send.reason = reason;
    // The content was only kept to send it.
    send.contentSealed = null;
    await this.em.transactional(async () => {
      await this.save(send);
      await this.audit.record({
        orgId: send.orgId,
        action: `mail.send_${status}`,
        target: { type: 'mail_send', id: send.id },
        details: { roxUserId: send.roxUserId, mode: send.mode, ...(reason ? { reason } : {}) },
      });
    });
    return toStatus(send);
  }
}

/** The message's fields as Graph takes them for a draft (sendMail adds the files). */
function draftMessage(content: SendContent, internetMessageId: string): DraftInput {
  return {
    subject: content.subject,
    body: content.body,
    toRecipients: content.to.map((address) => ({ emailAddress: { address } })),
    ccRecipients: content.cc.map((address) => ({ emailAddress: { address } })),
    bccRecipients: content.bcc.map((address) => ({ emailAddress: { address } })),
    internetMessageId,
  };
}

/** The message sendMail carries: the files ride in it, base64. */
function sendMailMessage(content: SendContent, internetMessageId: string): DraftInput {
  const files = content.attachments ?? [];
  return {
    ...draftMessage(content, internetMessageId),
    ...(files.length > 0
      ? {
          attachments: files.map((f) => ({
            '@odata.type': '#microsoft.graph.fileAttachment' as const,
            name: f.name,
            contentType: f.contentType,
            contentBytes: f.contentBase64,
          })),
        }
      : {}),
  };
}

/**
 * With Mail.Send alone the whole message goes in one sendMail request, which Graph refuses over
 * 4 MB (413): the files count 4/3 of their size there (base64), plus the body and recipients.
 * Measured on the very JSON the worker sends, and refused before anything is stored.
 */
function checkSendMailSize(content: SendContent, internetMessageId: string): void {
  const bytes = sendMailRequestBytes(sendMailMessage(content, internetMessageId));
  if (bytes > SEND_MAIL_MAX_REQUEST_BYTES) {
    refuse(
      'MAIL_SEND_ATTACHMENTS_NEED_READWRITE',
      'forbidden',
      `With its files base64, the send comes to ${bytes} bytes; sendMail takes at most ${SEND_MAIL_MAX_REQUEST_BYTES}. Larger sends need Mail.ReadWrite (a draft and upload sessions); the grant has only Mail.Send.`,
    );
  }
}

/**
 * Attaches the files the draft does not hold yet. An attempt after one that lost an answer may
 * find some already there: an attachment of the same name and at least the file's size counts
 * as that file (Graph's `size` adds a little overhead; an upload session attaches nothing until
 * its last range arrived, so a half-uploaded file never shows).
 */
async function attachMissing(
  client: GraphClient,
  owner: string,
  draftId: string,
  files: readonly SendMailAttachment[],
): Promise<void> {
  if (files.length === 0) return;
  const present = await listAttachments(client, owner, draftId);
  for (const file of files) {
    const bytes = Buffer.from(file.contentBase64, 'base64');
    const same = present.findIndex((a) => a.name === file.name && (a.size ?? 0) >= bytes.length);
    if (same >= 0) {
      present.splice(same, 1);
      continue;
    }
    await attachFile(client, owner, draftId, {
      name: file.name,
      contentType: file.contentType,
      bytes,
    });
  }
}

// Timeouts, resets and every 5xx, 503 included, may have been processed by Exchange: a
// send is never repeated on them without looking first, and where Rox cannot look (sendMail
// without read access) the send ends unknown_delivery.
function isAmbiguous(error: unknown): boolean {
  return error instanceof GraphRequestError && (error.status === 0 || error.status >= 500);
}

// A token request Microsoft answered with a lasting refusal (retrying cannot help): from MSAL
// directly, or a member's connection that needs a new sign-in (a coded error under the client's
// network error).
function isTokenRefused(error: unknown): boolean {
  const cause = error instanceof GraphRequestError && error.status === 0 ? error.cause : error;
  if (cause instanceof IdentityError) return LASTING_TOKEN_REFUSALS.has(cause.kind);
  return isDomainError(cause) && !RETRYABLE_KINDS.has(cause.kind);
}

// The app's credentials, its consent or its tenant gone, or the member's sign-in: a 5xx or an
// unknown answer from the token endpoint is tried again instead.
const LASTING_TOKEN_REFUSALS: ReadonlySet<IdentityErrorKind> = new Set([
  'invalid_client_credentials',
  'app_not_consented',
  'tenant_not_found',
  'consent_required',
  'consent_declined',
  'interaction_required',
]);

// Throttled (429): Graph refused the request without running it.
function isRefused(error: unknown): boolean {
  return error instanceof GraphRequestError && error.status === 429;
}

function refuse(code: `${MailErrorCode}`, kind: 'not_found' | 'forbidden', message: string): never {
  throw new MailError(code as MailErrorCode, kind, message);
}

function toStatus(send: MailSend): MailSendStatus {
  return {
    id: send.id,
    roxUserId: send.roxUserId,
    idempotencyKey: send.idempotencyKey,
    mode: send.mode,
    status: send.status,
    internetMessageId: send.internetMessageId,
    messageId: send.status === 'sent' ? send.draftId : null,
    roxMessageId: null,
    conversationId: null,
    reason: send.reason,
    createdAt: send.createdAt.toISOString(),
    updatedAt: send.updatedAt.toISOString(),
  };
}
