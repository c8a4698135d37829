import { Migration } from '@mikro-orm/migrations';

// The orphan sweep reads the lifetimes Graph granted per tenant (any org's rows in it) for every
// org every six hours: an index keeps that from scanning the table each time.
export class Migration20261130233000_graph_subscription_tenant_lifetimes extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "graph_subscription_tenant_id_lifetime_minutes_index" on "graph_subscription" ("tenant_id", "lifetime_minutes");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "graph_subscription_tenant_id_lifetime_minutes_index";`);
  }
}
