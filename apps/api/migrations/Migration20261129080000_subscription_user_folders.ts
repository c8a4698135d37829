import { Migration } from '@mikro-orm/migrations';

/**
 * Change notifications for members' own mail folders: a subscription's folder key is a synced
 * folder's name or display path (as mail_channel's), and a user folder's subscription keeps the
 * Graph id its resource watches.
 */
export class Migration20261129080000_subscription_user_folders extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "graph_subscription" alter column "folder" type varchar(256);`);
    this.addSql(`alter table "graph_subscription" add column "folder_id" varchar(256) null;`);
  }

  override async down(): Promise<void> {
    // The old code knows well-known folders only. The user folders' subscriptions at Graph lose
    // their rows here; the worker's start-up sweep deletes them as orphans.
    this.addSql(`delete from "graph_subscription" where "folder_id" is not null;`);
    this.addSql(`alter table "graph_subscription" drop column "folder_id";`);
    this.addSql(`alter table "graph_subscription" alter column "folder" type varchar(16);`);
  }
}
