import { DIRECTORY_ROLES } from '../state/directory-roles';
import type { UserRecord } from '../state/model';
import { guidFrom, pick } from '../util/prng';
import {
  CONTOSO_PEOPLE,
  DEMO_FABRIKAM_TENANT,
  DEPARTMENTS,
  FIRST_NAMES,
  JOB_TITLES,
  LAST_NAMES,
  TIME_ZONES,
  type NamedPerson,
} from './demo-tenant';

export const E5_SKU = '06ebc4ee-1bb5-47dd-8120-11324bc54e06';
const EXCHANGE_PLAN = 'efb87545-963c-4e0d-99df-69c6916d9eb0';

export interface UserSeedContext {
  seed: string;
  tenantId: string;
  initialDomain: string;
  verifiedDomain: string;
  people: NamedPerson[];
  createdBase: Date;
}

function asciiLocal(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();
}

/** Derives user number `index` of a tenant. */
export function userAt(ctx: UserSeedContext, index: number): UserRecord {
  const id = guidFrom(ctx.seed, ctx.tenantId, 'user', index);
  const created = new Date(ctx.createdBase.getTime() - (index + 1) * 3_600_000)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  const person = ctx.people[index];
  const timeZone = pick(TIME_ZONES, ctx.seed, 'tz', index);
  const license = [{ skuId: E5_SKU, disabledPlans: [] as string[] }];
  if (person) {
    const flags = new Set(person.flags ?? []);
    const isGuest = flags.has('guest');
    const isRoom = flags.has('room');
    const noMailbox = flags.has('noMailbox');
    const domain = person.local === 'admin' ? ctx.initialDomain : ctx.verifiedDomain;
    const mail = isGuest ? `${person.local}@fabrikam.com` : `${person.local}@${domain}`;
    const upn = isGuest ? `${person.local}_fabrikam.com#EXT#@${ctx.initialDomain}` : mail;
    return {
      id,
      userPrincipalName: upn,
      mail,
      displayName: isRoom
        ? `${person.givenName} ${person.surname}`
        : `${person.givenName} ${person.surname}`,
      givenName: isRoom ? null : person.givenName,
      surname: isRoom ? null : person.surname,
      jobTitle: person.jobTitle || null,
      department: person.department || null,
      officeLocation: isRoom
        ? 'Building 1'
        : pick(['12/1110', '19/2109', '20/1101', '131/1104'], ctx.seed, 'office', index),
      mobilePhone: null,
      businessPhones:
        isRoom || isGuest ? [] : [`+1 425 555 0${String(100 + index).padStart(3, '0')}`],
      preferredLanguage: isGuest ? null : 'en-US',
      accountEnabled: !flags.has('disabled') && !isRoom,
      userType: isGuest ? 'Guest' : 'Member',
      mailNickname: isGuest ? `${person.local}_fabrikam.com#EXT#` : person.local,
      proxyAddresses: isGuest
        ? [`SMTP:${mail}`]
        : [`SMTP:${mail}`, `smtp:${person.local}@${ctx.initialDomain}`],
      otherMails: isGuest ? [mail] : [],
      assignedLicenses:
        isGuest || isRoom
          ? []
          : noMailbox
            ? [{ skuId: E5_SKU, disabledPlans: [EXCHANGE_PLAN] }]
            : license,
      createdDateTime: created,
      hasMailbox: !isGuest && !noMailbox,
      directoryRoles: (person.roles ?? []).map((r) => DIRECTORY_ROLES[r]),
      ...(isGuest ? { homeTenantId: DEMO_FABRIKAM_TENANT.id } : {}),
      userPurpose: isRoom ? 'room' : 'user',
      timeZone,
    };
  }
  const given = pick(FIRST_NAMES, ctx.seed, 'given', index);
  const surname = pick(LAST_NAMES, ctx.seed, 'surname', index);
  const local = `${asciiLocal(given)}.${asciiLocal(surname)}${index}`;
  const mail = `${local}@${ctx.verifiedDomain}`;
  return {
    id,
    userPrincipalName: mail,
    mail,
    displayName: `${given} ${surname}`,
    givenName: given,
    surname,
    jobTitle: pick(JOB_TITLES, ctx.seed, 'title', index),
    department: pick(DEPARTMENTS, ctx.seed, 'dept', index),
    officeLocation: null,
    mobilePhone: null,
    businessPhones: [],
    preferredLanguage: 'en-US',
    accountEnabled: true,
    userType: 'Member',
    mailNickname: local,
    proxyAddresses: [`SMTP:${mail}`],
    otherMails: [],
    assignedLicenses: [{ skuId: E5_SKU, disabledPlans: [] }],
    createdDateTime: created,
    hasMailbox: true,
    directoryRoles: [],
    userPurpose: 'user',
    timeZone,
  };
}

export { CONTOSO_PEOPLE };
