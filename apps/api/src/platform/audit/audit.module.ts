import { Global, Module } from '@nestjs/common';

import { AuditEntryRepository } from './audit-entry.repository';
import { AuditLog } from './audit-log.service';
import { AuditController } from './audit.controller';

@Global()
@Module({
  controllers: [AuditController],
  providers: [AuditEntryRepository, AuditLog],
  exports: [AuditLog],
})
export class AuditModule {}
