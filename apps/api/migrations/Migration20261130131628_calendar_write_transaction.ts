import { Migration } from '@mikro-orm/migrations';

// A create's transactionId is stored with its write, so a pull that meets the event before the
// create's job has stored it gives the Rox event the id the create chose (CAL-W1).
export class Migration20261130131628_calendar_write_transaction extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "calendar_write" add column "transaction_id" varchar(64) null;`);
    this.addSql(
      `create index "calendar_write_transaction_idx" on "calendar_write" ("org_id", "rox_user_id", "transaction_id") where "transaction_id" is not null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "calendar_write_transaction_idx";`);
    this.addSql(`alter table "calendar_write" drop column "transaction_id";`);
  }
}
