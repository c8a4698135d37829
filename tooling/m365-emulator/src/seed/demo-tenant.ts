import type { DirectoryRoleName } from '../state/directory-roles';

/** Fixed facts about the default demo tenant, for other packages' tests. */
export const DEMO_TENANT = {
  id: '2f1c7d4e-8a3b-4c6d-9e0f-1a2b3c4d5e6f',
  displayName: 'Contoso',
  initialDomain: 'contoso.onmicrosoft.com',
  verifiedDomain: 'contoso.com',
  domains: ['contoso.onmicrosoft.com', 'contoso.com'],
  /** Global administrators who can grant admin consent. */
  admins: ['admin@contoso.onmicrosoft.com', 'isaiah.langer@contoso.com'],
  users: {
    admin: 'admin@contoso.onmicrosoft.com',
    /** An ordinary member with a mailbox and meetings. */
    member: 'megan.bowen@contoso.com',
    /** In the "Legal Investigations" group that the seeded DenyAccess policy targets. */
    policyRestricted: 'joni.sherman@contoso.com',
    /** Licensed without Exchange: Outlook calls answer 404 MailboxNotEnabledForRESTAPI. */
    noMailbox: 'pradeep.gupta@contoso.com',
    disabled: 'christie.cline@contoso.com',
    guest: 'alice.archer_fabrikam.com#EXT#@contoso.onmicrosoft.com',
    room: 'rainier@contoso.com',
    /** Display name with non-ASCII characters. */
    unicode: 'zoe.angstrom@contoso.com',
    /** Global Administrator (like `admin`), a member with a mailbox. */
    globalAdmin: 'isaiah.langer@contoso.com',
    /** Privileged Role Administrator: may grant Graph application permissions. */
    privilegedRoleAdmin: 'bianca.pisani@contoso.com',
    /** Application Administrator: may grant delegated permissions tenant-wide, not Graph app roles. */
    appAdmin: 'cameron.white@contoso.com',
    /** Cloud Application Administrator: like the Application Administrator for consent. */
    cloudAppAdmin: 'delia.dennis@contoso.com',
  },
  groups: {
    /** Mail-enabled security group targeted by the seeded DenyAccess ApplicationAccessPolicy. */
    legalInvestigations: 'legal.investigations@contoso.com',
    /** Mail-enabled security group of the sales team (handy for RestrictAccess tests). */
    sales: 'sales.team@contoso.com',
    allCompany: 'allcompany@contoso.com',
  },
} as const;

/** A second demo tenant: the home directory of Contoso's guest, for cross-tenant sign-ins. */
export const DEMO_FABRIKAM_TENANT = {
  id: '7c1e5b2a-4d3f-4e6a-9b8c-0d1e2f3a4b5c',
  displayName: 'Fabrikam',
  initialDomain: 'fabrikam.onmicrosoft.com',
  verifiedDomain: 'fabrikam.com',
  users: {
    /** Global Administrator of Fabrikam. */
    admin: 'ravi.shah@fabrikam.com',
    /** A member of Fabrikam who is also a guest in Contoso (DEMO_TENANT.users.guest). */
    member: 'alice.archer@fabrikam.com',
    /** A member of Fabrikam with no guest account in Contoso. */
    notInvited: 'kai.mwangi@fabrikam.com',
  },
} as const;

export interface NamedPerson {
  local: string;
  givenName: string;
  surname: string;
  jobTitle: string;
  department: string;
  flags?: ('noMailbox' | 'disabled' | 'guest' | 'room' | 'restricted' | 'sales')[];
  /** Assigned directory roles. */
  roles?: DirectoryRoleName[];
}

/** The named people of the Contoso demo tenant, in a fixed order. */
export const CONTOSO_PEOPLE: NamedPerson[] = [
  {
    local: 'admin',
    givenName: 'MOD',
    surname: 'Administrator',
    jobTitle: 'IT Administrator',
    department: 'IT',
    roles: ['globalAdministrator'],
  },
  {
    local: 'megan.bowen',
    givenName: 'Megan',
    surname: 'Bowen',
    jobTitle: 'Marketing Manager',
    department: 'Marketing',
    flags: ['sales'],
  },
  {
    local: 'alex.wilber',
    givenName: 'Alex',
    surname: 'Wilber',
    jobTitle: 'Account Executive',
    department: 'Sales',
    flags: ['sales'],
  },
  {
    local: 'adele.vance',
    givenName: 'Adele',
    surname: 'Vance',
    jobTitle: 'Retail Manager',
    department: 'Retail',
    flags: ['sales'],
  },
  {
    local: 'diego.siciliani',
    givenName: 'Diego',
    surname: 'Siciliani',
    jobTitle: 'HR Manager',
    department: 'HR',
  },
  {
    local: 'grady.archie',
    givenName: 'Grady',
    surname: 'Archie',
    jobTitle: 'Designer',
    department: 'R&D',
  },
  {
    local: 'henrietta.mueller',
    givenName: 'Henrietta',
    surname: 'Mueller',
    jobTitle: 'Developer',
    department: 'R&D',
  },
  {
    local: 'isaiah.langer',
    givenName: 'Isaiah',
    surname: 'Langer',
    jobTitle: 'Cloud Application Administrator',
    department: 'IT',
    roles: ['globalAdministrator'],
  },
  {
    local: 'johanna.lorenz',
    givenName: 'Johanna',
    surname: 'Lorenz',
    jobTitle: 'Senior Engineer',
    department: 'Engineering',
  },
  {
    local: 'joni.sherman',
    givenName: 'Joni',
    surname: 'Sherman',
    jobTitle: 'Paralegal',
    department: 'Legal',
    flags: ['restricted'],
  },
  {
    local: 'lee.gu',
    givenName: 'Lee',
    surname: 'Gu',
    jobTitle: 'Director',
    department: 'Manufacturing',
  },
  {
    local: 'lidia.holloway',
    givenName: 'Lidia',
    surname: 'Holloway',
    jobTitle: 'Product Manager',
    department: 'Engineering',
  },
  {
    local: 'lynne.robbins',
    givenName: 'Lynne',
    surname: 'Robbins',
    jobTitle: 'Planner',
    department: 'Retail',
    flags: ['sales'],
  },
  {
    local: 'miriam.graham',
    givenName: 'Miriam',
    surname: 'Graham',
    jobTitle: 'Director',
    department: 'Sales & Marketing',
    flags: ['sales'],
  },
  {
    local: 'nestor.wilke',
    givenName: 'Nestor',
    surname: 'Wilke',
    jobTitle: 'Director',
    department: 'Operations',
  },
  {
    local: 'patti.fernandez',
    givenName: 'Patti',
    surname: 'Fernandez',
    jobTitle: 'President',
    department: 'Executive Management',
  },
  {
    local: 'pradeep.gupta',
    givenName: 'Pradeep',
    surname: 'Gupta',
    jobTitle: 'Accountant',
    department: 'Finance',
    flags: ['noMailbox'],
  },
  {
    local: 'christie.cline',
    givenName: 'Christie',
    surname: 'Cline',
    jobTitle: 'Buyer',
    department: 'Sales',
    flags: ['disabled'],
  },
  {
    local: 'enrico.cattaneo',
    givenName: 'Enrico',
    surname: 'Cattaneo',
    jobTitle: 'Attorney',
    department: 'Legal',
    flags: ['restricted'],
  },
  {
    local: 'irvin.sayers',
    givenName: 'Irvin',
    surname: 'Sayers',
    jobTitle: 'Director',
    department: 'Sales',
    flags: ['sales'],
  },
  {
    local: 'debra.berger',
    givenName: 'Debra',
    surname: 'Berger',
    jobTitle: 'Administrative Assistant',
    department: 'Executive Management',
  },
  {
    local: 'allan.deyoung',
    givenName: 'Allan',
    surname: 'Deyoung',
    jobTitle: 'IT Admin',
    department: 'IT',
  },
  {
    local: 'ben.walters',
    givenName: 'Ben',
    surname: 'Walters',
    jobTitle: 'VP Sales',
    department: 'Sales',
    flags: ['sales'],
  },
  {
    local: 'zoe.angstrom',
    givenName: 'Zoë',
    surname: 'Ångström',
    jobTitle: 'Customer Success Lead',
    department: 'Sales',
    flags: ['sales'],
  },
  {
    local: 'alice.archer',
    givenName: 'Alice',
    surname: 'Archer',
    jobTitle: 'Partner Consultant',
    department: 'Fabrikam',
    flags: ['guest'],
  },
  {
    local: 'rainier',
    givenName: 'Conf Room',
    surname: 'Rainier',
    jobTitle: '',
    department: '',
    flags: ['room'],
  },
  // Appended after the original 26 so that every earlier user keeps its index and id.
  {
    local: 'bianca.pisani',
    givenName: 'Bianca',
    surname: 'Pisani',
    jobTitle: 'Identity Administrator',
    department: 'IT',
    roles: ['privilegedRoleAdministrator'],
  },
  {
    local: 'cameron.white',
    givenName: 'Cameron',
    surname: 'White',
    jobTitle: 'Application Administrator',
    department: 'IT',
    roles: ['applicationAdministrator'],
  },
  {
    local: 'delia.dennis',
    givenName: 'Delia',
    surname: 'Dennis',
    jobTitle: 'Cloud Operations Engineer',
    department: 'IT',
    roles: ['cloudApplicationAdministrator'],
  },
];

/** The named people of the Fabrikam demo tenant. */
export const FABRIKAM_PEOPLE: NamedPerson[] = [
  {
    local: 'ravi.shah',
    givenName: 'Ravi',
    surname: 'Shah',
    jobTitle: 'IT Director',
    department: 'IT',
    roles: ['globalAdministrator'],
  },
  {
    local: 'alice.archer',
    givenName: 'Alice',
    surname: 'Archer',
    jobTitle: 'Partner Consultant',
    department: 'Consulting',
  },
  {
    local: 'kai.mwangi',
    givenName: 'Kai',
    surname: 'Mwangi',
    jobTitle: 'Analyst',
    department: 'Finance',
  },
];

export const FIRST_NAMES = [
  'Ava',
  'Liam',
  'Noah',
  'Emma',
  'Olivia',
  'Mateo',
  'Sofía',
  'Lucas',
  'Mia',
  'Amir',
  'Yuki',
  'Chen',
  'Priya',
  'Arjun',
  'Fatima',
  'Omar',
  'Ingrid',
  'Lars',
  'Chloé',
  'Björn',
  'Zanele',
  'Kwame',
  'Nadia',
  'Tomás',
  'Aiko',
  'Hana',
  'Dmitri',
  'Elena',
  'Rafael',
  'Leila',
  'Jonas',
  'Maren',
  'Siddharth',
  'Grace',
  'Owen',
  'Isla',
];

export const LAST_NAMES = [
  'Smith',
  'Johnson',
  'García',
  'Müller',
  'Nguyen',
  'Kim',
  'Patel',
  'Okafor',
  'Rossi',
  'Dubois',
  'Novak',
  'Silva',
  'Tanaka',
  'Kowalski',
  'Hansen',
  'Andersson',
  'Costa',
  'Moreau',
  'Fischer',
  'Ibrahim',
  'Singh',
  "O'Brien",
  'Haddad',
  'Yamamoto',
  'Petrov',
  'Jensen',
  'Li',
  'Wang',
  'Lopez',
  'Schmidt',
];

export const DEPARTMENTS = [
  'Sales',
  'Marketing',
  'Engineering',
  'Finance',
  'HR',
  'Legal',
  'Operations',
  'Support',
];
export const JOB_TITLES = [
  'Analyst',
  'Engineer',
  'Manager',
  'Specialist',
  'Consultant',
  'Coordinator',
  'Director',
];
export const TIME_ZONES = [
  'Pacific Standard Time',
  'Eastern Standard Time',
  'GMT Standard Time',
  'W. Europe Standard Time',
  'India Standard Time',
  'Tokyo Standard Time',
];
export const EXTERNAL_CONTACTS = [
  { name: 'Ravi Shah', address: 'ravi.shah@fabrikam.com' },
  { name: 'Hélène Laurent', address: 'helene.laurent@northwindtraders.com' },
  { name: 'Kenji Watanabe', address: 'kenji@adventure-works.com' },
  { name: 'Sipho Dlamini', address: 'sipho.dlamini@tailspintoys.com' },
  { name: 'Billing', address: 'billing@litware.com' },
];
