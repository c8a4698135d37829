import { Controller, Get } from '@nestjs/common';

import { AuditPageSchema, ListAuditQuerySchema, type ListAuditQuery } from '@rox365/contracts';

import { Roles } from '../auth/access.decorators';
import { CurrentCaller, type Caller } from '../auth/caller';
import { Contract, ValidQuery } from '../http/contract.decorators';
import { AuditLog } from './audit-log.service';

@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditLog) {}

  @Get()
  @Roles('admin')
  @Contract({
    summary: 'List audit entries of the caller’s org, newest first',
    response: AuditPageSchema,
    tags: ['audit'],
  })
  list(@CurrentCaller() caller: Caller, @ValidQuery(ListAuditQuerySchema) query: ListAuditQuery) {
    return this.audit.list(caller.orgId, query);
  }
}
