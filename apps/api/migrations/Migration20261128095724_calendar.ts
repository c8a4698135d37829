import { Migration } from '@mikro-orm/migrations';

export class Migration20261128095724_calendar extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "calendar_change" ("sequence" bigserial primary key, "org_id" varchar(128) not null, "event_id" uuid not null, "change" varchar(16) not null, "at" timestamptz not null);`,
    );
    this.addSql(
      `create index "calendar_change_org_id_sequence_index" on "calendar_change" ("org_id", "sequence");`,
    );

    this.addSql(
      `create table "calendar_channel" ("org_id" varchar(128) not null, "rox_user_id" varchar(128) not null, "directory_user_id" varchar(64) null, "stage" varchar(16) not null default 'never', "delta_link" text null, "delta_link_at" timestamptz null, "window_start" timestamptz null, "window_end" timestamptz null, "full_round" int not null default 0, "queued_at" timestamptz null, "started_at" timestamptz null, "last_sync_at" timestamptz null, "last_full_sync_at" timestamptz null, "last_error_code" varchar(64) null, "last_error_at" timestamptz null, "retry_at" timestamptz null, "last_counts" jsonb not null, constraint "calendar_channel_pkey" primary key ("org_id", "rox_user_id"));`,
    );
    this.addSql(
      `create index "calendar_channel_stage_started_at_index" on "calendar_channel" ("stage", "started_at");`,
    );

    this.addSql(
      `create table "calendar_event" ("id" uuid not null, "org_id" varchar(128) not null, "dedupe_key" text not null, "i_cal_uid" text null, "series_ical_uid" text null, "original_start" timestamptz null, "kind" varchar(16) not null, "is_cancelled" boolean not null, "is_private" boolean not null, "is_all_day" boolean not null, "start_at" timestamptz not null, "end_at" timestamptz not null, "start_date" varchar(10) null, "end_date" varchar(10) null, "time_zone" varchar(64) null, "subject" text null, "body_sealed" text null, "location" text null, "join_url" text null, "show_as" varchar(32) null, "organizer" varchar(320) null, "attendees" jsonb not null, "is_from_organizer" boolean not null, "updated_at" timestamptz not null, constraint "calendar_event_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "calendar_event_org_id_start_at_index" on "calendar_event" ("org_id", "start_at");`,
    );
    this.addSql(
      `alter table "calendar_event" add constraint "calendar_event_org_id_dedupe_key_unique" unique ("org_id", "dedupe_key");`,
    );

    this.addSql(
      `create table "calendar_event_link" ("org_id" varchar(128) not null, "rox_user_id" varchar(128) not null, "graph_id" varchar(512) not null, "event_id" uuid not null, "series_master_id" varchar(512) null, "change_key" varchar(128) null, "is_organizer" boolean not null, "response" varchar(32) null, "start_at" timestamptz not null, "seen_round" int not null, constraint "calendar_event_link_pkey" primary key ("org_id", "rox_user_id", "graph_id"));`,
    );
    this.addSql(
      `create index "calendar_event_link_org_id_rox_user_id_series_master_id_index" on "calendar_event_link" ("org_id", "rox_user_id", "series_master_id");`,
    );
    this.addSql(
      `create index "calendar_event_link_org_id_event_id_index" on "calendar_event_link" ("org_id", "event_id");`,
    );

    this.addSql(
      `create table "calendar_series" ("org_id" varchar(128) not null, "rox_user_id" varchar(128) not null, "graph_id" varchar(512) not null, "change_key" varchar(128) null, "fields" jsonb not null, "seen_round" int not null, constraint "calendar_series_pkey" primary key ("org_id", "rox_user_id", "graph_id"));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "calendar_change" cascade;`);

    this.addSql(`drop table if exists "calendar_channel" cascade;`);

    this.addSql(`drop table if exists "calendar_event" cascade;`);

    this.addSql(`drop table if exists "calendar_event_link" cascade;`);

    this.addSql(`drop table if exists "calendar_series" cascade;`);
  }
}
