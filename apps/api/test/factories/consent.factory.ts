import { randomBytes, randomUUID } from 'node:crypto';

import { AuthState } from '../../src/consent/auth-state/auth-state.entity';
import { IndividualConnection } from '../../src/consent/entities/individual-connection.entity';
import { MemberOverride } from '../../src/consent/entities/member-override.entity';
import { OrgwideConnection } from '../../src/consent/entities/orgwide-connection.entity';
import { OrgwideSettings } from '../../src/consent/entities/orgwide-settings.entity';
import { FACTORY_NOW } from './member.factory';

export function buildOrgwideSettings(
  over: Partial<ConstructorParameters<typeof OrgwideSettings>[0]> & { orgId: string },
): OrgwideSettings {
  const tenantId = randomUUID();
  return new OrgwideSettings({
    calendarAccess: 'read',
    emailAccess: 'metadata',
    restrictedDomains: [],
    restrictedUsers: [],
    extraMailFolders: [],
    calendarMeetingDeletes: 'confirm',
    tenant: tenantId,
    tenantId,
    now: FACTORY_NOW,
    ...over,
  });
}

export function buildMemberOverride(
  over: Partial<ConstructorParameters<typeof MemberOverride>[0]> & { orgId: string },
): MemberOverride {
  return new MemberOverride({
    roxUserId: `user_${randomBytes(4).toString('hex')}`,
    calendarAccess: 'off',
    emailAccess: null,
    now: FACTORY_NOW,
    ...over,
  });
}

/** A connection to a fresh tenant (a tenant holds one org at a time). */
export function buildOrgwideConnection(
  over: Partial<ConstructorParameters<typeof OrgwideConnection>[0]> & { orgId: string },
): OrgwideConnection {
  return new OrgwideConnection({
    tenantId: randomUUID(),
    grantedPermissions: ['User.Read.All', 'Calendars.Read'],
    connectedBy: 'admin_1',
    now: FACTORY_NOW,
    ...over,
  });
}

export function buildIndividualConnection(
  over: Partial<ConstructorParameters<typeof IndividualConnection>[0]> & { orgId: string },
): IndividualConnection {
  return new IndividualConnection({
    id: randomUUID(),
    roxUserId: `user_${randomBytes(4).toString('hex')}`,
    provider: 'microsoft',
    kind: 'calendar',
    now: FACTORY_NOW,
    ...over,
  });
}

/** An org-wide sign-in state with random hashes, valid for ten minutes from `now`. */
export function buildAuthState(
  over: Partial<ConstructorParameters<typeof AuthState>[0]> & { orgId: string },
): AuthState {
  return new AuthState({
    id: randomUUID(),
    stateHash: randomBytes(32).toString('hex'),
    flow: 'orgwide',
    stage: 'sign_in',
    purpose: 'connect',
    roxUserId: 'admin_1',
    tenantId: null,
    browserBindingHash: randomBytes(32).toString('hex'),
    now: FACTORY_NOW,
    ttlSeconds: 600,
    ...over,
  });
}
