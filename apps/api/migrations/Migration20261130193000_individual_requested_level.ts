import { Migration } from '@mikro-orm/migrations';

// A member's sign-in attempt keeps the level it asks for; the connection takes it only once the
// sign-in is verified. A connection an unfinished upgrade already moved keeps its level: its
// mailbox row is clamped to the granted scopes at the next refresh (every org's rows are
// recomputed at least every six hours), so the rules live in one place, not here too.
export class Migration20261130193000_individual_requested_level extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "auth_state" add column "requested_level" varchar(16) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "auth_state" drop column "requested_level";`);
  }
}
