import { Migration } from '@mikro-orm/migrations';

// A calendar write's idempotency key belongs to the member's calendar it writes to (as a send's
// does): one member's key can neither answer nor block another member's write.
export class Migration20261130100000_calendar_write_member_keys extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "calendar_write" drop constraint "calendar_write_org_id_idempotency_key_unique";`,
    );
    this.addSql(
      `alter table "calendar_write" add constraint "calendar_write_org_id_rox_user_id_idempotency_key_unique" unique ("org_id", "rox_user_id", "idempotency_key");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "calendar_write" drop constraint "calendar_write_org_id_rox_user_id_idempotency_key_unique";`,
    );
    this.addSql(
      `alter table "calendar_write" add constraint "calendar_write_org_id_idempotency_key_unique" unique ("org_id", "idempotency_key");`,
    );
  }
}
