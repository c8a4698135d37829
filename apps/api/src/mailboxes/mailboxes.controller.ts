import { Readable } from 'node:stream';

import { Controller, Get, HttpCode, Post, StreamableFile } from '@nestjs/common';

import {
  AccessPolicyScriptQuerySchema,
  AccessPolicyScriptSchema,
  ListMemberSyncStatusQuerySchema,
  MemberSyncStatusPageSchema,
  MemberSyncStatusSchema,
  PageQuerySchema,
  ProbeResultPageSchema,
  QueuedSchema,
  RunProbeRequestSchema,
  type AccessPolicyScriptQuery,
  type ListMemberSyncStatusQuery,
  type PageQuery,
  type RunProbeRequest,
} from '@rox365/contracts';

import { Roles } from '../platform/auth/access.decorators';
import { CurrentCaller, type Caller } from '../platform/auth/caller';
import { Contract, ValidBody, ValidQuery } from '../platform/http/contract.decorators';
import { MailboxReader } from './mailbox-reader.service';
import { MailboxesService } from './mailboxes.service';

/** Members' mailboxes as sync targets: scope, probes and the access-policy script. */
@Controller('orgwide')
export class MailboxesController {
  constructor(
    private readonly mailboxes: MailboxesService,
    private readonly reader: MailboxReader,
  ) {}

  @Get('members')
  @Roles('admin')
  @Contract({
    summary: 'Each member’s mapping and calendar and mail sync scope, with what to do next',
    response: MemberSyncStatusPageSchema,
    tags: ['mailboxes'],
  })
  members(
    @CurrentCaller() caller: Caller,
    @ValidQuery(ListMemberSyncStatusQuerySchema) query: ListMemberSyncStatusQuery,
  ) {
    return this.reader.memberStatusPage(caller.orgId, query);
  }

  @Get('members/me')
  @Roles('admin', 'member')
  @Contract({
    summary: 'The caller’s own sync status',
    response: MemberSyncStatusSchema,
    tags: ['mailboxes'],
  })
  me(@CurrentCaller() caller: Caller) {
    return this.reader.memberStatus(caller.orgId, caller.roxUserId);
  }

  @Get('access-policy/script')
  @Roles('admin')
  @Contract({
    summary: 'Exchange Online PowerShell that limits Rox to the in-scope members’ mailboxes',
    response: AccessPolicyScriptSchema,
    tags: ['mailboxes'],
  })
  accessPolicyScript(
    @CurrentCaller() caller: Caller,
    @ValidQuery(AccessPolicyScriptQuerySchema) query: AccessPolicyScriptQuery,
  ) {
    return this.reader.accessPolicyScript(caller.orgId, query);
  }

  @Get('access-policy/script/download')
  @Roles('admin')
  @Contract({
    summary: 'The same PowerShell as a plain-text download, written while the rows are read',
    description:
      'For groups of any size: the answer streams batch by batch and is never held whole. Takes the query of `GET access-policy/script`.',
    file: { mediaType: 'text/plain' },
    tags: ['mailboxes'],
  })
  async accessPolicyScriptDownload(
    @CurrentCaller() caller: Caller,
    @ValidQuery(AccessPolicyScriptQuerySchema) query: AccessPolicyScriptQuery,
  ): Promise<StreamableFile> {
    const chunks = await this.reader.accessPolicyScriptDownload(caller.orgId, query);
    return new StreamableFile(Readable.from(chunks), {
      type: 'text/plain; charset=utf-8',
      disposition: 'attachment; filename="rox-access-policy.ps1"',
    });
  }

  @Post('probes')
  @HttpCode(202)
  @Roles('admin')
  @Contract({
    summary: 'Probe one member’s (or every in-scope member’s) mailbox and calendar',
    response: QueuedSchema,
    status: 202,
    tags: ['mailboxes'],
  })
  probe(@CurrentCaller() caller: Caller, @ValidBody(RunProbeRequestSchema) body: RunProbeRequest) {
    return this.mailboxes.requestProbes(caller.orgId, body);
  }

  @Get('probes')
  @Roles('admin')
  @Contract({
    summary: 'Latest probe result per member',
    response: ProbeResultPageSchema,
    tags: ['mailboxes'],
  })
  probes(@CurrentCaller() caller: Caller, @ValidQuery(PageQuerySchema) query: PageQuery) {
    return this.reader.probePage(caller.orgId, query);
  }
}
