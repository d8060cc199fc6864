import { deterministicGuid } from './deterministic-id';
import type { SimAppSeed, SimSeed, SimUserSeed } from './sim-seed';

/** Fixed so a platform restarted in simulator mode finds its demo app and tenants again. */
export const DEMO_CLIENT_ID = deterministicGuid('tenantry-demo-app');
export const DEMO_CLIENT_SECRET = 'sim~demo-secret.not-for-production-use';
export const DEMO_REDIRECT_URIS = [
  'http://localhost:3000/onboarding/callback',
  'http://127.0.0.1:3000/onboarding/callback',
];
export const DEMO_REQUIRED_ROLES = ['Directory.Read.All', 'User.Read.All'];

/** The app registration the platform signs in as in simulator mode. */
export function demoApp(): SimAppSeed {
  return {
    clientId: DEMO_CLIENT_ID,
    displayName: 'Tenantry demo app',
    secrets: [{ id: 'demo-secret', value: DEMO_CLIENT_SECRET }],
    redirectUris: DEMO_REDIRECT_URIS,
    requiredRoles: DEMO_REQUIRED_ROLES,
  };
}

interface DemoTenant {
  name: string;
  domainLabel: string;
  users: number;
  /** Granted roles, or null when the demo app has not been consented there yet. */
  consent: string[] | null;
}

const DEMO_TENANTS: DemoTenant[] = [
  { name: 'Contoso', domainLabel: 'contoso', users: 36, consent: DEMO_REQUIRED_ROLES },
  { name: 'Fabrikam', domainLabel: 'fabrikam', users: 24, consent: DEMO_REQUIRED_ROLES },
  { name: 'Northwind Traders', domainLabel: 'northwindtraders', users: 30, consent: null },
];

const GIVEN_NAMES = [
  'Adele',
  'Alex',
  'Diego',
  'Grady',
  'Henrietta',
  'Isaiah',
  'Johanna',
  'Joni',
  'Lee',
  'Lidia',
  'Lynne',
  'Megan',
  'Miriam',
  'Nestor',
  'Patti',
  'Pradeep',
];
const SURNAMES = [
  'Vance',
  'Wilber',
  'Siciliani',
  'Archie',
  'Mueller',
  'Langer',
  'Lauer',
  'Sherman',
  'Gu',
  'Holloway',
  'Robinson',
  'Bowen',
  'Graham',
  'Wilke',
  'Fernandez',
  'Gupta',
];
const JOB_TITLES = ['Retail Manager', 'Marketing Assistant', 'Developer', 'Designer', 'Director', 'Accountant'];
const OFFICES = ['18/2111', '20/1101', '131/1104', '12/1110'];

export function demoTenantId(domainLabel: string): string {
  return deterministicGuid(`tenantry-demo-tenant:${domainLabel}`);
}

/**
 * A demo multitenant app with a client secret, three customer tenants (two consented, one
 * not, so onboarding can be tried end to end) and a few dozen users each.
 */
export function buildDemoSeed(): SimSeed {
  return {
    apps: [demoApp()],
    tenants: DEMO_TENANTS.map((tenant) => {
      const domain = `${tenant.domainLabel}.onmicrosoft.com`;
      return {
        tenantId: demoTenantId(tenant.domainLabel),
        displayName: tenant.name,
        domain,
        consents: tenant.consent ? [{ clientId: DEMO_CLIENT_ID, roles: tenant.consent }] : [],
        users: demoUsers(tenant.domainLabel, domain, tenant.users),
      };
    }),
  };
}

function demoUsers(label: string, domain: string, count: number): SimUserSeed[] {
  const users: SimUserSeed[] = [];
  for (let i = 0; i < count; i++) {
    const givenName = GIVEN_NAMES[i % GIVEN_NAMES.length];
    const surname = SURNAMES[(i * 7 + label.length) % SURNAMES.length];
    const nickname = `${givenName}.${surname}${i >= GIVEN_NAMES.length ? i : ''}`.toLowerCase();
    users.push({
      id: deterministicGuid(`tenantry-demo-user:${label}:${i}`),
      displayName: `${givenName} ${surname}`,
      givenName,
      surname,
      userPrincipalName: `${nickname}@${domain}`,
      mail: `${nickname}@${domain}`,
      jobTitle: JOB_TITLES[i % JOB_TITLES.length],
      officeLocation: OFFICES[i % OFFICES.length],
      preferredLanguage: 'en-US',
      businessPhones: [`+1 425 555 01${String(i).padStart(2, '0')}`],
    });
  }
  return users;
}
