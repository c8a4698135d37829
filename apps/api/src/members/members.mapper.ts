import { type Member as MemberContract } from '@rox365/contracts';

import { type Member } from './entities/member.entity';

export function toMemberContract(member: Member): MemberContract {
  return {
    roxUserId: member.roxUserId,
    email: member.email,
    displayName: member.displayName,
    role: member.role,
    createdAt: member.createdAt.toISOString(),
    updatedAt: member.updatedAt.toISOString(),
  };
}
