import { type MemberSyncStatus } from '@rox365/contracts';

import { buildMemberStatus } from './factories';
import { type LocalApi } from './local-api';

/**
 * Two pages of members (Megan, then Joni behind "Load more") and Megan's calendar override saved
 * as off: the list, the PUT's answer, and Megan's row as it reads after the save (searched by her
 * email). For specs of saving one row while others are loaded.
 */
export function twoPagesAndMegansSave(api: LocalApi): {
  megan: MemberSyncStatus;
  joni: MemberSyncStatus;
} {
  const megan = buildMemberStatus();
  const joni = buildMemberStatus({
    roxUserId: 'u_joni',
    email: 'joni.sherman@contoso.com',
    displayName: 'Joni Sherman',
  });
  const saved: MemberSyncStatus = {
    ...megan,
    override: { calendarAccess: 'off', emailAccess: null },
    calendar: {
      configured: 'off',
      effective: 'off',
      inScope: false,
      reason: 'Calendar sync is off for this member.',
      nextAction: null,
    },
  };
  api.on('GET /orgwide/members', (req) => {
    if (req.query.get('q') === megan.email) return { body: { items: [saved], nextCursor: null } };
    return req.query.get('cursor') === 'page-2'
      ? { body: { items: [joni], nextCursor: null } }
      : { body: { items: [megan], nextCursor: 'page-2' } };
  });
  api.on('PUT /orgwide/overrides/u_megan', {
    body: { overrides: [{ roxUserId: 'u_megan', calendarAccess: 'off', emailAccess: null }] },
  });
  return { megan, joni };
}
