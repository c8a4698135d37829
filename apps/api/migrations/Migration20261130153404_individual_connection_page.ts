import { Migration } from '@mikro-orm/migrations';

// The individual connections list is paged oldest first: each page is read off this index
// instead of sorting the org's connections.
export class Migration20261130153404_individual_connection_page extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "individual_connection_org_id_created_at_id_index" on "individual_connection" ("org_id", "created_at", "id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "individual_connection_org_id_created_at_id_index";`);
  }
}
