import { randomBytes } from 'node:crypto';

import { Member } from '../../src/members/entities/member.entity';

export const FACTORY_NOW = new Date('2026-11-22T04:00:00Z');

type MemberProps = ConstructorParameters<typeof Member>[0];

/** A Rox member with a unique id and email unless told otherwise. */
export function buildMember(over: Partial<MemberProps> & { orgId: string }): Member {
  const id = randomBytes(4).toString('hex');
  return new Member({
    roxUserId: `user_${id}`,
    email: `person.${id}@contoso.com`,
    displayName: `Person ${id}`,
    role: 'member',
    now: FACTORY_NOW,
    ...over,
  });
}
