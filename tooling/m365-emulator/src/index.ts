export { startEmulator, exportCa, seedSpecs, DEFAULT_DATA_DIR } from './emulator';
export type { StartEmulatorOptions, RunningEmulator } from './emulator';
export { DEMO_FABRIKAM_TENANT, DEMO_TENANT } from './seed/demo-tenant';
export type { TenantSpec, SeedName } from './seed/tenant-spec';
export { ensureEmulatorCa } from './tls/material';
export { ControlClient, ControlCallError } from './control/control-client';
export type {
  AppSelector,
  Counters,
  EventInput,
  IncomingMail,
  BulkMail,
  ServicePrincipalSummary,
  TenantSummary,
  UserInput,
} from './control/control-client';
export type { FaultSpec, Fault, IdTokenFaultKind } from './control/faults';
export type { LoggedRequest, ThrottleViolation } from './control/request-log';
export type { MailDelivery } from './state/tenant';
export type { AppKind, AppOverrides, AppRegistration } from './state/app';
export {
  ROX_APP_CLIENT_ID,
  ROX_APP_CLIENT_SECRET,
  ROX_INDIVIDUAL_APP_CLIENT_ID,
  ROX_INDIVIDUAL_APP_CLIENT_SECRET,
  ROX_ORGWIDE_APP_CLIENT_ID,
  ROX_ORGWIDE_APP_CLIENT_SECRET,
} from './state/app';
export { DIRECTORY_ROLES } from './state/directory-roles';
export type { DirectoryRoleName } from './state/directory-roles';
export type { ConsentNotification, ConsentRequest, UserRecord } from './state/model';
export type { ConsentPolicy } from './state/tenant';
export type { EmulatorSettings, SettingsPatch } from './state/settings';
export { DELEGATED_SCOPE_TEXT, GRAPH_APP_ROLES, GRAPH_DELEGATED_SCOPES } from './state/permissions';
