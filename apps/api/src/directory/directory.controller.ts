import { Controller, Get, HttpCode, Post } from '@nestjs/common';

import {
  DirectoryUserPageSchema,
  ListDirectoryUsersQuerySchema,
  QueuedSchema,
  type ListDirectoryUsersQuery,
} from '@rox365/contracts';

import { Roles } from '../platform/auth/access.decorators';
import { CurrentCaller, type Caller } from '../platform/auth/caller';
import { Contract, ValidQuery } from '../platform/http/contract.decorators';
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
}
