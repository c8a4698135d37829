import { type MemberRole } from '@rox365/contracts';

export interface DemoMember {
  roxUserId: string;
  email: string;
  displayName: string;
  role: MemberRole;
}

// The demo org's members. Their addresses match users of the emulator's Contoso tenant so the
// directory mapping has something to find; the last has no Microsoft account at all.
export const DEMO_MEMBERS: DemoMember[] = [
  {
    roxUserId: 'u_isaiah',
    email: 'isaiah.langer@contoso.com',
    displayName: 'Isaiah Langer',
    role: 'admin',
  },
  {
    roxUserId: 'u_megan',
    email: 'megan.bowen@contoso.com',
    displayName: 'Megan Bowen',
    role: 'member',
  },
  {
    roxUserId: 'u_alex',
    email: 'Alex.Wilber@contoso.com',
    displayName: 'Alex Wilber',
    role: 'member',
  },
  {
    roxUserId: 'u_lidia',
    email: 'lidia.holloway@contoso.com',
    displayName: 'Lidia Holloway',
    role: 'member',
  },
  // In the group the tenant's application access policy denies: probes come back denied.
  {
    roxUserId: 'u_joni',
    email: 'joni.sherman@contoso.com',
    displayName: 'Joni Sherman',
    role: 'member',
  },
  // Licensed without Exchange: no mailbox to sync.
  {
    roxUserId: 'u_pradeep',
    email: 'pradeep.gupta@contoso.com',
    displayName: 'Pradeep Gupta',
    role: 'member',
  },
  {
    roxUserId: 'u_sam',
    email: 'sam.outsider@fabrikam.example',
    displayName: 'Sam Outsider',
    role: 'member',
  },
];
