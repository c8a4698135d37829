import { Injectable } from '@nestjs/common';

import {
  type ListMailMessagesQuery,
  type MailChangePage,
  type MailChangesQuery,
  type MailDataRemovalReceipt,
  type MailDataRemovalRequest,
  type MailMessagePage,
  type MailMessageWithBody,
  type MailOrgSummary,
  type MemberMailStatus,
} from '@rox365/contracts';

import { MailboxRepository } from '../mailboxes/mailbox.repository';
import { RestrictionPolicy } from '../mailboxes/restriction-policy.service';
import { AuditLog } from '../platform/audit/audit-log.service';
import { Cipher } from '../platform/crypto/cipher.service';
import { Transactions } from '../platform/database/transactions.service';
import { invalidCursor } from '../platform/http/keyset-page';
import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { Clock } from '../platform/time/clock';
import { MailFolders } from './mail-folders.service';
import { MailJobs } from './mail-jobs.service';
import { normalizeMailAddress } from './mail-restrictions';
import { MAIL_BODY_COLUMN } from './mail.constants';
import { MailError, MailErrorCode } from './mail.errors';
import {
  changeToContract,
  decodeMessageCursor,
  encodeMessageCursor,
  messageToContract,
} from './mail.mapper';
import { MailRepository } from './mail.repository';

/** Reads for Rox backends and the console, and the admin's data-removal request. */
@Injectable()
export class MailReader {
  constructor(
    private readonly repo: MailRepository,
    private readonly mailboxes: MailboxRepository,
    private readonly cipher: Cipher,
    private readonly audit: AuditLog,
    private readonly tx: Transactions,
    private readonly lifecycle: LifecycleRegistry,
    private readonly jobs: MailJobs,
    private readonly policy: RestrictionPolicy,
    private readonly clock: Clock,
    private readonly mailFolders: MailFolders,
  ) {}

  async list(orgId: string, query: ListMailMessagesQuery): Promise<MailMessagePage> {
    const after = query.cursor ? decodeMessageCursor(query.cursor) : null;
    if (query.cursor && !after) {
      throw invalidCursor();
    }
    const address =
      query.address !== undefined ? (normalizeMailAddress(query.address) ?? '') : undefined;
    const rows = await this.repo.page(
      orgId,
      {
        ...(query.roxUserId !== undefined ? { roxUserId: query.roxUserId } : {}),
        ...(address !== undefined ? { address } : {}),
        ...(query.conversationId !== undefined ? { conversationId: query.conversationId } : {}),
      },
      after,
      query.limit + 1,
    );
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return {
      items: items.map((m) => messageToContract(m, m.copies)),
      nextCursor: rows.length > query.limit && last ? encodeMessageCursor(last) : null,
    };
  }

  /** One message; its body (full level only) is decrypted here and the read is audited. */
  async get(orgId: string, id: string): Promise<MailMessageWithBody> {
    const m = await this.repo.messageWithCopies(orgId, id);
    if (!m) {
      throw new MailError(MailErrorCode.MAIL_MESSAGE_NOT_FOUND, 'not_found', 'No such message.');
    }
    const body =
      m.bodyAvailable && m.bodySealed !== null
        ? {
            contentType: m.bodyContentType ?? 'text',
            content: this.cipher.decrypt(m.bodySealed, MAIL_BODY_COLUMN, orgId),
          }
        : null;
    if (body) {
      await this.audit.record({
        orgId,
        action: 'mail.body_read',
        target: { type: 'mail_message', id: m.id },
        details: {},
      });
    }
    return { ...messageToContract(m, m.copies), body };
  }

  async changes(orgId: string, query: MailChangesQuery): Promise<MailChangePage> {
    const after = query.cursor ?? '0';
    const rows = await this.repo.changes(orgId, after, query.limit);
    return {
      items: rows.map((r) => changeToContract(r)),
      nextCursor: rows[rows.length - 1]?.sequence ?? after,
    };
  }

  async memberStatus(orgId: string, roxUserId: string): Promise<MemberMailStatus> {
    const row = await this.mailboxes.findPlainRow(orgId, roxUserId);
    if (!row) {
      throw new MailError(MailErrorCode.MAIL_MEMBER_NOT_FOUND, 'not_found', 'No such member.');
    }
    const { channels, counts } = await this.repo.memberChannels(orgId, roxUserId);
    // Other features' notes (e.g. change notifications degraded), shown where a folder has no
    // reason of its own.
    const notices = row.mailInScope
      ? await this.lifecycle.channelNotices(orgId, 'mail', [roxUserId])
      : [];
    const now = this.clock.now().getTime();
    const out = [];
    for (const folder of await this.mailFolders.synced(orgId)) {
      const c = channels.find((x) => x.folder === folder);
      out.push({
        folder,
        stage: c?.stage ?? 'never',
        reason: c?.lastErrorCode ?? notices.find((n) => n.folder === folder)?.code ?? null,
        lastSyncAt: c?.lastSyncAt?.toISOString() ?? null,
        cursorAgeHours: c?.cursorAt ? (now - c.cursorAt.getTime()) / 3_600_000 : null,
        messages: counts.get(folder) ?? 0,
      });
    }
    const synced = out.map((c) => c.lastSyncAt).filter((d): d is string => d !== null);
    return {
      roxUserId,
      email: row.email,
      level: row.mailEffective,
      inScope: row.mailInScope,
      reason: row.mailReason,
      nextAction: row.mailNextAction,
      messages: out.reduce((n, c) => n + c.messages, 0),
      lastSyncAt: synced.sort().at(0) ?? null,
      channels: out,
    };
  }

  /**
   * The org status's mail section: each member's mailbox by state (not in scope, or the most
   * pressing stage of its folders), the reasons of failed or retrying folders, stored messages.
   */
  async orgSummary(orgId: string): Promise<MailOrgSummary> {
    const rules = await this.policy.restrictions(orgId);
    // An extra folder a mailbox lacks is listed under reasons but does not fail the mailbox.
    const summary = await this.repo.mailboxSummary(
      orgId,
      await this.mailFolders.synced(orgId),
      [...rules.addresses],
      MailErrorCode.MAIL_FOLDER_NOT_FOUND,
    );
    return {
      mailboxes: summary.mailboxes,
      reasons: summary.reasons.sort(
        (a, b) => b.mailboxes - a.mailboxes || a.code.localeCompare(b.code),
      ),
      messages: await this.repo.countMessages(orgId),
      lastSyncAt: summary.lastSyncAt?.toISOString() ?? null,
    };
  }

  /**
   * An admin's data-removal request for one person: everything synced about their mailbox goes
   * through the lifecycle's member purge (mail, and calendar where it registered), with the
   * receipt in the audit log in the same transaction.
   */
  async removeMemberData(
    orgId: string,
    request: MailDataRemovalRequest,
  ): Promise<MailDataRemovalReceipt> {
    const row = await this.mailboxes.find(orgId, request.roxUserId);
    if (!row) {
      throw new MailError(MailErrorCode.MAIL_MEMBER_NOT_FOUND, 'not_found', 'No such member.');
    }
    const at = this.clock.now();
    const removed = await this.tx.run(async () => {
      // Synced content only (mail and calendar tables), not connections or overrides.
      const counts = await this.lifecycle.purgeMember(orgId, request.roxUserId, (table) =>
        /^(mail|calendar)_/.test(table),
      );
      await this.audit.record({
        orgId,
        action: 'mail.data_removed',
        target: { type: 'member', id: request.roxUserId },
        details: { removed: counts, ...(request.reason ? { reason: request.reason } : {}) },
      });
      return counts;
    });
    // The next cycle re-checks scope (and re-imports if nothing keeps the mailbox out).
    await this.jobs.enqueueCycle(orgId);
    return {
      roxUserId: request.roxUserId,
      removed,
      auditAction: 'mail.data_removed',
      at: at.toISOString(),
      nextAction:
        'Add the person to the restricted users (or turn their email access off) so their mailbox is not synced again.',
    };
  }
}
