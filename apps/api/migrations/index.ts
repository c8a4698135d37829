import { type MigrationObject } from '@mikro-orm/core';

import { Migration20261122032119 } from './Migration20261122032119';
import { Migration20261122034125_consent } from './Migration20261122034125_consent';
import { Migration20261122034631_directory } from './Migration20261122034631_directory';
import { Migration20261128085734_tenant_proof } from './Migration20261128085734_tenant_proof';
import { Migration20261128093341_auth_state } from './Migration20261128093341_auth_state';
import { Migration20261128093811_individual_connect } from './Migration20261128093811_individual_connect';
import { Migration20261128094600_mailboxes } from './Migration20261128094600_mailboxes';
import { Migration20261128095724_calendar } from './Migration20261128095724_calendar';
import { Migration20261128095813_directory_large_tenants } from './Migration20261128095813_directory_large_tenants';
import { Migration20261128100253_mail } from './Migration20261128100253_mail';
import { Migration20261128101810_mail_send } from './Migration20261128101810_mail_send';
import { Migration20261128102422_calendar_write } from './Migration20261128102422_calendar_write';
import { Migration20261128120000_calendar_restrictions } from './Migration20261128120000_calendar_restrictions';
import { Migration20261128120500_mail_cursor_reset } from './Migration20261128120500_mail_cursor_reset';
import { Migration20261128121000_mail_participants_gin } from './Migration20261128121000_mail_participants_gin';
import { Migration20261128130000_extra_mail_folders } from './Migration20261128130000_extra_mail_folders';
import { Migration20261128145719_calendar_write_zone } from './Migration20261128145719_calendar_write_zone';
import { Migration20261128145929_notifications } from './Migration20261128145929_notifications';
import { Migration20261128145954_push } from './Migration20261128145954_push';
import { Migration20261128160000_mail_link_received_at } from './Migration20261128160000_mail_link_received_at';
import { Migration20261128160500_calendar_link_event_times } from './Migration20261128160500_calendar_link_event_times';
import { Migration20261128163323_unfinished_work } from './Migration20261128163323_unfinished_work';
import { Migration20261129010000_mail_org_count } from './Migration20261129010000_mail_org_count';
import { Migration20261129020000_calendar_meeting_deletes } from './Migration20261129020000_calendar_meeting_deletes';
import { Migration20261129040000_directory_search_index } from './Migration20261129040000_directory_search_index';
import { Migration20261129060000_mail_user_folders } from './Migration20261129060000_mail_user_folders';
import { Migration20261129080000_subscription_user_folders } from './Migration20261129080000_subscription_user_folders';
import { Migration20261129100000_mail_participant_index } from './Migration20261129100000_mail_participant_index';
import { Migration20261129120000_link_counts } from './Migration20261129120000_link_counts';
import { Migration20261130100000_calendar_write_member_keys } from './Migration20261130100000_calendar_write_member_keys';
import { Migration20261130131628_calendar_write_transaction } from './Migration20261130131628_calendar_write_transaction';
import { Migration20261130153404_individual_connection_page } from './Migration20261130153404_individual_connection_page';
import { Migration20261130193000_individual_requested_level } from './Migration20261130193000_individual_requested_level';
import { Migration20261130200000_mail_restricted_message } from './Migration20261130200000_mail_restricted_message';
import { Migration20261130220000_individual_pending_level } from './Migration20261130220000_individual_pending_level';
import { Migration20261130233000_graph_subscription_tenant_lifetimes } from './Migration20261130233000_graph_subscription_tenant_lifetimes';

// Listed explicitly (not globbed) so migrations load the same way under tsc output and vitest.
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261122032119', class: Migration20261122032119 },
  { name: 'Migration20261122034125_consent', class: Migration20261122034125_consent },
  { name: 'Migration20261122034631_directory', class: Migration20261122034631_directory },
  { name: 'Migration20261128085734_tenant_proof', class: Migration20261128085734_tenant_proof },
  { name: 'Migration20261128093341_auth_state', class: Migration20261128093341_auth_state },
  {
    name: 'Migration20261128093811_individual_connect',
    class: Migration20261128093811_individual_connect,
  },
  { name: 'Migration20261128094600_mailboxes', class: Migration20261128094600_mailboxes },
  { name: 'Migration20261128095724_calendar', class: Migration20261128095724_calendar },
  {
    name: 'Migration20261128095813_directory_large_tenants',
    class: Migration20261128095813_directory_large_tenants,
  },
  { name: 'Migration20261128100253_mail', class: Migration20261128100253_mail },
  { name: 'Migration20261128101810_mail_send', class: Migration20261128101810_mail_send },
  {
    name: 'Migration20261128102422_calendar_write',
    class: Migration20261128102422_calendar_write,
  },
  {
    name: 'Migration20261128120000_calendar_restrictions',
    class: Migration20261128120000_calendar_restrictions,
  },
  {
    name: 'Migration20261128120500_mail_cursor_reset',
    class: Migration20261128120500_mail_cursor_reset,
  },
  {
    name: 'Migration20261128121000_mail_participants_gin',
    class: Migration20261128121000_mail_participants_gin,
  },
  {
    name: 'Migration20261128130000_extra_mail_folders',
    class: Migration20261128130000_extra_mail_folders,
  },
  {
    name: 'Migration20261128145719_calendar_write_zone',
    class: Migration20261128145719_calendar_write_zone,
  },
  {
    name: 'Migration20261128145929_notifications',
    class: Migration20261128145929_notifications,
  },
  { name: 'Migration20261128145954_push', class: Migration20261128145954_push },
  {
    name: 'Migration20261128160000_mail_link_received_at',
    class: Migration20261128160000_mail_link_received_at,
  },
  {
    name: 'Migration20261128160500_calendar_link_event_times',
    class: Migration20261128160500_calendar_link_event_times,
  },
  {
    name: 'Migration20261128163323_unfinished_work',
    class: Migration20261128163323_unfinished_work,
  },
  { name: 'Migration20261129010000_mail_org_count', class: Migration20261129010000_mail_org_count },
  {
    name: 'Migration20261129020000_calendar_meeting_deletes',
    class: Migration20261129020000_calendar_meeting_deletes,
  },
  {
    name: 'Migration20261129040000_directory_search_index',
    class: Migration20261129040000_directory_search_index,
  },
  {
    name: 'Migration20261129060000_mail_user_folders',
    class: Migration20261129060000_mail_user_folders,
  },
  {
    name: 'Migration20261129080000_subscription_user_folders',
    class: Migration20261129080000_subscription_user_folders,
  },
  {
    name: 'Migration20261129100000_mail_participant_index',
    class: Migration20261129100000_mail_participant_index,
  },
  { name: 'Migration20261129120000_link_counts', class: Migration20261129120000_link_counts },
  {
    name: 'Migration20261130100000_calendar_write_member_keys',
    class: Migration20261130100000_calendar_write_member_keys,
  },
  {
    name: 'Migration20261130131628_calendar_write_transaction',
    class: Migration20261130131628_calendar_write_transaction,
  },
  {
    name: 'Migration20261130153404_individual_connection_page',
    class: Migration20261130153404_individual_connection_page,
  },
  {
    name: 'Migration20261130193000_individual_requested_level',
    class: Migration20261130193000_individual_requested_level,
  },
  {
    name: 'Migration20261130200000_mail_restricted_message',
    class: Migration20261130200000_mail_restricted_message,
  },
  {
    name: 'Migration20261130220000_individual_pending_level',
    class: Migration20261130220000_individual_pending_level,
  },
  {
    name: 'Migration20261130233000_graph_subscription_tenant_lifetimes',
    class: Migration20261130233000_graph_subscription_tenant_lifetimes,
  },
];
