import { Controller, Get, HttpCode, Post, StreamableFile } from '@nestjs/common';

import {
  ListMailMessagesQuerySchema,
  MailAttachmentListSchema,
  MailAttachmentParamsSchema,
  MailChangePageSchema,
  MailChangesQuerySchema,
  MailDataRemovalReceiptSchema,
  MailDataRemovalRequestSchema,
  MailMemberParamsSchema,
  MailMessagePageSchema,
  MailMessageParamsSchema,
  MailMessageWithBodySchema,
  MailSendParamsSchema,
  MailSendStatusSchema,
  MemberMailStatusSchema,
  QueuedSchema,
  SendMailRequestSchema,
  type ListMailMessagesQuery,
  type MailAttachmentParams,
  type MailChangesQuery,
  type MailDataRemovalRequest,
  type MailMemberParams,
  type MailMessageParams,
  type MailSendParams,
  type SendMailRequest,
} from '@rox365/contracts';

import { Roles } from '../platform/auth/access.decorators';
import { CurrentCaller, type Caller } from '../platform/auth/caller';
import { Contract, ValidBody, ValidParams, ValidQuery } from '../platform/http/contract.decorators';
import { MailAttachmentsService } from './mail-attachments.service';
import { MailJobs } from './mail-jobs.service';
import { MailReader } from './mail-reader.service';
import { MailSendService } from './mail-send.service';

/** Synced mail for Rox backends, the member's own status, and the admin's controls. */
@Controller()
export class MailController {
  constructor(
    private readonly reader: MailReader,
    private readonly jobs: MailJobs,
    private readonly sends: MailSendService,
    private readonly attachments: MailAttachmentsService,
  ) {}

  @Post('mail/sends')
  @HttpCode(202)
  @Roles('service')
  @Contract({
    summary:
      'Send or reply as a member (asynchronous, idempotent by key); refused locally when not allowed',
    response: MailSendStatusSchema,
    status: 202,
    tags: ['mail'],
  })
  send(@CurrentCaller() caller: Caller, @ValidBody(SendMailRequestSchema) body: SendMailRequest) {
    return this.sends.request(caller.orgId, body);
  }

  @Get('mail/sends/:id')
  @Roles('service')
  @Contract({ summary: 'Where a send stands', response: MailSendStatusSchema, tags: ['mail'] })
  sendStatus(
    @CurrentCaller() caller: Caller,
    @ValidParams(MailSendParamsSchema) params: MailSendParams,
  ) {
    return this.sends.status(caller.orgId, params.id);
  }

  @Get('mail/messages')
  @Roles('service', 'admin')
  @Contract({
    summary: 'Messages of a member’s mailbox, with a contact address, or of a conversation',
    response: MailMessagePageSchema,
    tags: ['mail'],
  })
  list(
    @CurrentCaller() caller: Caller,
    @ValidQuery(ListMailMessagesQuerySchema) query: ListMailMessagesQuery,
  ) {
    return this.reader.list(caller.orgId, query);
  }

  @Get('mail/messages/:id')
  @Roles('service', 'admin')
  @Contract({
    summary: 'One message; its body only at the full level (the read is audited)',
    response: MailMessageWithBodySchema,
    tags: ['mail'],
  })
  get(
    @CurrentCaller() caller: Caller,
    @ValidParams(MailMessageParamsSchema) params: MailMessageParams,
  ) {
    return this.reader.get(caller.orgId, params.id);
  }

  @Get('mail/messages/:id/attachments')
  @Roles('service', 'admin')
  @Contract({
    summary:
      'A message’s attachments, listed from Microsoft 365 now (full level only; nothing is stored)',
    response: MailAttachmentListSchema,
    tags: ['mail'],
  })
  listAttachments(
    @CurrentCaller() caller: Caller,
    @ValidParams(MailMessageParamsSchema) params: MailMessageParams,
  ) {
    return this.attachments.list(caller.orgId, params.id);
  }

  @Get('mail/messages/:id/attachments/:attachmentId')
  @Roles('service', 'admin')
  @Contract({
    summary:
      'One file attachment’s content, read from Microsoft 365 now (full level only, audited, never stored)',
    file: { mediaType: 'application/octet-stream' },
    tags: ['mail'],
  })
  async attachment(
    @CurrentCaller() caller: Caller,
    @ValidParams(MailAttachmentParamsSchema) params: MailAttachmentParams,
  ): Promise<StreamableFile> {
    const file = await this.attachments.download(caller.orgId, params.id, params.attachmentId);
    return new StreamableFile(file.bytes, {
      type: file.contentType,
      length: file.bytes.length,
      disposition: attachmentDisposition(file.name),
    });
  }

  @Get('mail/changes')
  @Roles('service', 'admin')
  @Contract({
    summary: 'The org’s mail change feed (created, updated, deleted) in commit order',
    response: MailChangePageSchema,
    tags: ['mail'],
  })
  changes(
    @CurrentCaller() caller: Caller,
    @ValidQuery(MailChangesQuerySchema) query: MailChangesQuery,
  ) {
    return this.reader.changes(caller.orgId, query);
  }

  @Get('mail/status/me')
  @Roles('admin', 'member')
  @Contract({
    summary: 'The caller’s own mail sync',
    response: MemberMailStatusSchema,
    tags: ['mail'],
  })
  me(@CurrentCaller() caller: Caller) {
    return this.reader.memberStatus(caller.orgId, caller.roxUserId);
  }

  @Get('orgwide/mail/members/:roxUserId')
  @Roles('admin')
  @Contract({
    summary: 'One member’s mail sync: scope, level, each folder’s stage, reason and counts',
    response: MemberMailStatusSchema,
    tags: ['mail'],
  })
  memberStatus(
    @CurrentCaller() caller: Caller,
    @ValidParams(MailMemberParamsSchema) params: MailMemberParams,
  ) {
    return this.reader.memberStatus(caller.orgId, params.roxUserId);
  }

  @Post('orgwide/mail/sync')
  @HttpCode(202)
  @Roles('admin')
  @Contract({
    summary: 'Run the org’s mail cycle now (scope purges, restrictions, every mailbox)',
    response: QueuedSchema,
    status: 202,
    tags: ['mail'],
  })
  async syncNow(@CurrentCaller() caller: Caller) {
    return { queued: 1, jobIds: [await this.jobs.enqueueCycle(caller.orgId)] };
  }

  @Post('orgwide/mail/data-removal-requests')
  @Roles('admin')
  @Contract({
    summary: 'Remove everything synced about one person’s mailbox, with a receipt',
    response: MailDataRemovalReceiptSchema,
    tags: ['mail'],
  })
  removeData(
    @CurrentCaller() caller: Caller,
    @ValidBody(MailDataRemovalRequestSchema) body: MailDataRemovalRequest,
  ) {
    return this.reader.removeMemberData(caller.orgId, body);
  }
}

// Always a download, never rendered inline; the name in ASCII and in UTF-8 (RFC 6266).
function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^\w.\- ]/g, '_').slice(0, 150) || 'attachment';
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
