import { Migration } from '@mikro-orm/migrations';

// A connected member's upgrade that needs an admin's approval is recorded beside the level the
// connection keeps running at, instead of stopping the connection until the admin approves.
export class Migration20261130220000_individual_pending_level extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "individual_connection" add column "pending_level" varchar(16) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "individual_connection" drop column "pending_level";`);
  }
}
