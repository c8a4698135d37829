import { Injectable, Logger } from '@nestjs/common';

import { Cipher } from './cipher.service';
import { EncryptedColumnRepository } from './encrypted-column.repository';
import { columnContext, type EncryptedColumn } from './encrypted-columns';

const BATCH_SIZE = 500;

export interface ReencryptReport {
  column: string;
  rewritten: number;
  /** Changed by a writer meanwhile (compare-and-set): that writer's value is current. */
  skipped: number;
  /** Would not open (another key, column or org): left as they are, named in the log. */
  failed: number;
}

/**
 * Moves every envelope in the given columns to the active key, bound to its row's org, batch by
 * batch. An `enc:v1` envelope carries no org, so it takes the org of the row it is found in: run
 * this right after upgrading, while the database's rows are the ones Rox wrote.
 */
@Injectable()
export class ReencryptService {
  private readonly logger = new Logger(ReencryptService.name);

  constructor(
    private readonly cipher: Cipher,
    private readonly columns: EncryptedColumnRepository,
  ) {}

  async run(targets: EncryptedColumn[]): Promise<ReencryptReport[]> {
    const reports: ReencryptReport[] = [];
    for (const column of targets) {
      const context = columnContext(column);
      let rewritten = 0;
      let skipped = 0;
      let failed = 0;
      let afterId: string | null = null;
      for (;;) {
        const rows = await this.columns.findStale(
          column,
          this.cipher.activeKeyId,
          afterId,
          BATCH_SIZE,
        );
        if (rows.length === 0) break;
        for (const row of rows) {
          let next: string;
          try {
            next = this.cipher.reseal(row.value, context, row.orgId);
          } catch (error) {
            failed += 1;
            this.logger.error({ column: context, id: row.id, err: error }, 'value did not open');
            continue;
          }
          if (await this.columns.replace(column, row.id, row.value, next)) rewritten += 1;
          else skipped += 1;
        }
        afterId = rows[rows.length - 1]?.id ?? null;
      }
      this.logger.log({ column: context, rewritten, skipped, failed }, 're-encrypted column');
      reports.push({ column: context, rewritten, skipped, failed });
    }
    return reports;
  }
}
