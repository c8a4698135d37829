import { Injectable } from '@nestjs/common';

import { type MailAttachment, type MailAttachmentList } from '@rox365/contracts';
import {
  getAttachmentContent,
  getAttachmentInfo,
  GraphRequestError,
  listAttachments,
  type GraphAttachmentInfo,
  type GraphClient,
} from '@rox365/graph-client';

import { MailboxAccess } from '../consent/mailbox-access.service';
import { MailboxRepository } from '../mailboxes/mailbox.repository';
import { RestrictionPolicy } from '../mailboxes/restriction-policy.service';
import { AuditLog } from '../platform/audit/audit-log.service';
import { classifyMailFailure } from './mail-sync.service';
import { ATTACHMENT_MAX_BYTES } from './mail.constants';
import { MailError, MailErrorCode } from './mail.errors';
import { MailRepository } from './mail.repository';

/** A downloaded attachment, held only while the response is written. */
export interface AttachmentFile {
  name: string;
  contentType: string;
  bytes: Buffer;
}

// Where the attachments of a stored message are read: a mailbox copy at the full level.
interface Source {
  roxUserId: string;
  graphId: string;
  client: GraphClient;
  ownerPath: string;
}

/**
 * Attachments on demand: listed and read from Microsoft 365 at request time through a mailbox
 * copy synced at the full level (read or read_send, in scope, not a restricted user), never
 * stored. Reading content is audited (`mail.attachment_read`).
 */
@Injectable()
export class MailAttachmentsService {
  constructor(
    private readonly repo: MailRepository,
    private readonly mailboxes: MailboxRepository,
    private readonly policy: RestrictionPolicy,
    private readonly access: MailboxAccess,
    private readonly audit: AuditLog,
  ) {}

  async list(orgId: string, messageId: string): Promise<MailAttachmentList> {
    const source = await this.source(orgId, messageId);
    try {
      const items = await listAttachments(source.client, source.ownerPath, source.graphId);
      return { items: items.map(toContract) };
    } catch (error) {
      throw refusal(error);
    }
  }

  async download(orgId: string, messageId: string, attachmentId: string): Promise<AttachmentFile> {
    const source = await this.source(orgId, messageId);
    let info: GraphAttachmentInfo;
    let bytes: Buffer;
    try {
      info = await getAttachmentInfo(source.client, source.ownerPath, source.graphId, attachmentId);
      if (kindOf(info) !== 'file') {
        throw new MailError(
          MailErrorCode.MAIL_ATTACHMENT_UNSUPPORTED,
          'conflict',
          'Only file attachments can be downloaded (this one is an attached item or a link).',
        );
      }
      if ((info.size ?? 0) > ATTACHMENT_MAX_BYTES) throw tooLarge();
      bytes = await getAttachmentContent(
        source.client,
        source.ownerPath,
        source.graphId,
        attachmentId,
      );
    } catch (error) {
      throw refusal(error);
    }
    if (bytes.length > ATTACHMENT_MAX_BYTES) throw tooLarge();
    const contentType = safeContentType(info.contentType);
    await this.audit.record({
      orgId,
      action: 'mail.attachment_read',
      target: { type: 'mail_message', id: messageId },
      details: { attachmentId, via: source.roxUserId, size: bytes.length, contentType },
    });
    return { name: info.name ?? 'attachment', contentType, bytes };
  }

  private async source(orgId: string, messageId: string): Promise<Source> {
    const message = await this.repo.findMessage(orgId, messageId);
    if (!message) {
      throw new MailError(MailErrorCode.MAIL_MESSAGE_NOT_FOUND, 'not_found', 'No such message.');
    }
    const rules = await this.policy.restrictions(orgId);
    for (const link of await this.repo.linksOf(orgId, [message.id])) {
      const row = await this.mailboxes.find(orgId, link.roxUserId);
      const isFull = row?.mailEffective === 'read' || row?.mailEffective === 'read_send';
      if (!row || !row.mailInScope || !isFull || this.policy.isRestrictedMailbox(row, rules)) {
        continue;
      }
      const grant = await this.access.forMailbox(orgId, {
        roxUserId: row.roxUserId,
        directoryUserId: row.directoryUserId,
        kind: 'mail',
      });
      return {
        roxUserId: row.roxUserId,
        graphId: link.graphId,
        client: grant.client,
        ownerPath: grant.ownerPath,
      };
    }
    throw new MailError(
      MailErrorCode.MAIL_CONTENT_NOT_ALLOWED,
      'forbidden',
      'Attachments are read at the full level only: no mailbox holding this message is synced at read or read_send.',
    );
  }
}

function kindOf(a: GraphAttachmentInfo): MailAttachment['kind'] {
  const type = (a['@odata.type'] ?? '#microsoft.graph.fileAttachment').toLowerCase();
  if (type.endsWith('itemattachment')) return 'item';
  if (type.endsWith('referenceattachment')) return 'reference';
  return 'file';
}

function toContract(a: GraphAttachmentInfo): MailAttachment {
  return {
    id: a.id,
    kind: kindOf(a),
    name: a.name ?? null,
    contentType: a.contentType ?? null,
    size: typeof a.size === 'number' ? a.size : null,
    isInline: a.isInline === true,
  };
}

// The sender chose the type: anything that is not a plain media type is served as bytes.
function safeContentType(type: string | null | undefined): string {
  return type && /^[\w.+-]+\/[\w.+-]+$/.test(type)
    ? type.toLowerCase()
    : 'application/octet-stream';
}

function tooLarge(): MailError {
  return new MailError(
    MailErrorCode.MAIL_ATTACHMENT_TOO_LARGE,
    'conflict',
    `The attachment is larger than ${ATTACHMENT_MAX_BYTES / 1024 / 1024} MB; open it in Outlook.`,
  );
}

// Graph's answer as a coded error: a gone message or attachment is 404, the rest as in sync.
function refusal(error: unknown): unknown {
  if (error instanceof MailError) return error;
  if (error instanceof GraphRequestError && error.isNotFound) {
    return new MailError(
      MailErrorCode.MAIL_ATTACHMENT_NOT_FOUND,
      'not_found',
      'Microsoft 365 has no such attachment on this message (any more).',
      { cause: error },
    );
  }
  const classified = classifyMailFailure(error).error;
  if (classified instanceof GraphRequestError) {
    return new MailError(
      MailErrorCode.MAIL_GRAPH_FAILED,
      'unavailable',
      `Microsoft Graph did not answer the attachment read (${classified.code ?? classified.status}).`,
      { cause: classified },
    );
  }
  return classified;
}
