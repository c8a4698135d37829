import type { UserRecord } from '../../state/model';
import { badRequest, GraphHttpError } from '../errors';

export const DEFAULT_USER_PROPS = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];

const SINGLE_ONLY_PROPS = new Set([
  'mailboxsettings',
  'aboutme',
  'skills',
  'birthday',
  'hiredate',
  'interests',
  'pastprojects',
  'responsibilities',
  'schools',
  'preferredname',
]);

/** Every Graph property the emulator serves for a user. */
export function userToGraph(u: UserRecord): Record<string, unknown> {
  return {
    id: u.id,
    businessPhones: u.businessPhones,
    displayName: u.displayName,
    givenName: u.givenName,
    jobTitle: u.jobTitle,
    mail: u.mail,
    mobilePhone: u.mobilePhone,
    officeLocation: u.officeLocation,
    preferredLanguage: u.preferredLanguage,
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
    accountEnabled: u.accountEnabled,
    userType: u.userType,
    department: u.department,
    mailNickname: u.mailNickname,
    proxyAddresses: u.proxyAddresses,
    otherMails: u.otherMails,
    assignedLicenses: u.assignedLicenses,
    createdDateTime: u.createdDateTime,
    deletedDateTime: null,
    onPremisesImmutableId: null,
    usageLocation: 'US',
  };
}

const KNOWN = new Set(Object.keys(userToGraph({} as UserRecord)).map((k) => k.toLowerCase()));

/** Validates $select against the user type; collection requests refuse single-user-only properties. */
export function checkUserSelect(select: string[] | undefined, collection: boolean): void {
  for (const s of select ?? []) {
    const lower = s.toLowerCase();
    if (SINGLE_ONLY_PROPS.has(lower)) {
      if (collection)
        throw new GraphHttpError(
          501,
          'NotImplemented',
          'This operation target is not yet supported.',
        );
      continue;
    }
    if (!KNOWN.has(lower))
      throw badRequest(
        `Could not find a property named '${s}' on type 'microsoft.graph.user'.`,
        'Request_BadRequest',
      );
  }
}

export function projectUser(u: UserRecord, select: string[] | undefined): Record<string, unknown> {
  const full = userToGraph(u);
  const props = select ?? DEFAULT_USER_PROPS;
  const lowerMap = new Map(Object.keys(full).map((k) => [k.toLowerCase(), k]));
  const out: Record<string, unknown> = {};
  for (const p of props) {
    const key = lowerMap.get(p.toLowerCase());
    if (key !== undefined) out[key] = full[key];
  }
  out.id = u.id;
  return out;
}

export function selectContext(
  root: string,
  entitySet: string,
  select: string[] | undefined,
): string {
  return `${root}/$metadata#${entitySet}${select ? `(${select.join(',')})` : ''}`;
}
