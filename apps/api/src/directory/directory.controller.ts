import { Controller, Get, HttpCode, Post } from '@nestjs/common';

import {
  AccessPolicyScriptQuerySchema,
  AccessPolicyScriptSchema,
  DirectoryUserPageSchema,
  ListDirectoryUsersQuerySchema,
  ListMemberSyncStatusQuerySchema,
  MemberSyncStatusPageSchema,
  MemberSyncStatusSchema,
  PageQuerySchema,
  ProbeResultPageSchema,
  QueuedSchema,
  RunProbeRequestSchema,
  type AccessPolicyScriptQuery,
  type ListDirectoryUsersQuery,
  type ListMemberSyncStatusQuery,
  type PageQuery,
  type RunProbeRequest,
} from '@rox365/contracts';

import { Roles } from '../platform/auth/access.decorators';
import { CurrentCaller, type Caller } from '../platform/auth/caller';
import { Contract, ValidBody, ValidQuery } from '../platform/http/contract.decorators';
import { DirectoryReader } from './directory-reader.service';
import { DirectoryService } from './directory.service';

@Controller('orgwide')
export class DirectoryController {
  constructor(
    private readonly directory: DirectoryService,
    private readonly reader: DirectoryReader,
  ) {}

  @Post('directory/sync')
  @HttpCode(202)
  @Roles('admin')
  @Contract({
    summary: 'Queue a directory sync of the connected tenant',
    response: QueuedSchema,
    status: 202,
    tags: ['directory'],
  })
  sync(@CurrentCaller() caller: Caller) {
    return this.directory.requestSync(caller.orgId);
  }

  @Get('directory/users')
  @Roles('admin')
  @Contract({
    summary: 'Microsoft 365 users of the tenant, with the Rox member each maps to',
    response: DirectoryUserPageSchema,
    tags: ['directory'],
  })
  users(
    @CurrentCaller() caller: Caller,
    @ValidQuery(ListDirectoryUsersQuerySchema) query: ListDirectoryUsersQuery,
  ) {
    return this.reader.directoryUserPage(caller.orgId, query);
  }

  @Get('members')
  @Roles('admin')
  @Contract({
    summary: 'Each member’s mapping and calendar and mail sync scope, with what to do next',
    response: MemberSyncStatusPageSchema,
    tags: ['directory'],
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
    tags: ['directory'],
  })
  me(@CurrentCaller() caller: Caller) {
    return this.reader.memberStatus(caller.orgId, caller.roxUserId);
  }

  @Get('access-policy/script')
  @Roles('admin')
  @Contract({
    summary: 'Exchange Online PowerShell that limits Rox to the in-scope members’ mailboxes',
    response: AccessPolicyScriptSchema,
    tags: ['directory'],
  })
  accessPolicyScript(
    @CurrentCaller() caller: Caller,
    @ValidQuery(AccessPolicyScriptQuerySchema) query: AccessPolicyScriptQuery,
  ) {
    return this.reader.accessPolicyScript(caller.orgId, query);
  }

  @Post('probes')
  @HttpCode(202)
  @Roles('admin')
  @Contract({
    summary: 'Probe one member’s (or every in-scope member’s) mailbox and calendar',
    response: QueuedSchema,
    status: 202,
    tags: ['directory'],
  })
  probe(@CurrentCaller() caller: Caller, @ValidBody(RunProbeRequestSchema) body: RunProbeRequest) {
    return this.directory.requestProbes(caller.orgId, body);
  }

  @Get('probes')
  @Roles('admin')
  @Contract({
    summary: 'Latest probe result per member',
    response: ProbeResultPageSchema,
    tags: ['directory'],
  })
  probes(@CurrentCaller() caller: Caller, @ValidQuery(PageQuerySchema) query: PageQuery) {
    return this.reader.probePage(caller.orgId, query);
  }
}
