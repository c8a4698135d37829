export const MEMBERS_JOB = {
  purgeMemberData: 'members.purge-member-data',
} as const;
