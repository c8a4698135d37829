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

export function encodeMemberCursor(roxUserId: string): string {
  return Buffer.from(`m:${roxUserId}`).toString('base64url');
}

export function decodeMemberCursor(cursor: string): string | null {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  return decoded.startsWith('m:') && decoded.length > 2 ? decoded.slice(2) : null;
}
