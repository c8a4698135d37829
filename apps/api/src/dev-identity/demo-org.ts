import { type MemberRole } from '@rox365/contracts';

export interface DemoMember {
  roxUserId: string;
  email: string;
  displayName: string;
  role: MemberRole;
}

// The demo org's members. Their addresses match users of the emulator's Contoso tenant so the
// directory mapping has something to find; one has no Microsoft account at all.
export const DEMO_MEMBERS: DemoMember[] = [
  { roxUserId: 'u_admin', email: 'admin@contoso.com', displayName: 'Ada Admin', role: 'admin' },
  {
    roxUserId: 'u_megan',
    email: 'megan.bowen@contoso.com',
    displayName: 'Megan Bowen',
    role: 'member',
  },
  {
    roxUserId: 'u_alex',
    email: 'alex.wilber@contoso.com',
    displayName: 'Alex Wilber',
    role: 'member',
  },
  {
    roxUserId: 'u_lidia',
    email: 'lidia.holloway@contoso.com',
    displayName: 'Lidia Holloway',
    role: 'member',
  },
  {
    roxUserId: 'u_outsider',
    email: 'sam.outsider@fabrikam.example',
    displayName: 'Sam Outsider',
    role: 'member',
  },
];
