import { buildDemoSeed, DEMO_CLIENT_ID, DEMO_REQUIRED_ROLES } from './demo-seed';
import { SimDirectory } from './sim-directory';
import { SimDirectoryError } from './sim-directory.error';

describe('SimDirectory', () => {
  let directory: SimDirectory;

  beforeEach(() => {
    directory = new SimDirectory();
    directory.reset(buildDemoSeed());
  });

  it('resolves tenants by GUID and by any verified domain, case-insensitively', () => {
    const [contoso] = directory.listTenants();
    expect(directory.resolveTenant(contoso.tenantId.toUpperCase())).toBe(contoso);
    expect(directory.resolveTenant('CONTOSO.onmicrosoft.com')).toBe(contoso);
    expect(directory.resolveTenant('nowhere.example')).toBeUndefined();
  });

  it('seeds two consented demo tenants and one without consent, with stable ids', () => {
    const consented = directory.listTenants().map((t) => t.consents.has(DEMO_CLIENT_ID));
    expect(consented).toEqual([true, true, false]);
    const again = new SimDirectory();
    again.reset(buildDemoSeed());
    expect(again.listTenants().map((t) => t.tenantId)).toEqual(directory.listTenants().map((t) => t.tenantId));
  });

  it('delays a fresh consent by the propagation delay and bumps the revision', () => {
    const northwind = directory.listTenants()[2];
    const revision = directory.revision;
    const consent = directory.grantConsent(northwind.tenantId, DEMO_CLIENT_ID, ['User.Read.All'], {
      propagationDelayMs: 5000,
    });
    expect(consent.effectiveAt - consent.grantedAt).toBe(5000);
    expect(consent.roles).toEqual(['User.Read.All']);
    expect(directory.revision).toBeGreaterThan(revision);
  });

  it("grants on admin consent only the app's roles the tenant's consent policy allows", () => {
    const [, , northwind] = directory.listTenants();
    expect(directory.rolesGrantedByAdmin(northwind.tenantId, DEMO_CLIENT_ID)).toEqual(DEMO_REQUIRED_ROLES);
    directory.setGrantableRoles(northwind.tenantId, ['User.Read.All', 'Mail.Send']);
    expect(directory.rolesGrantedByAdmin(northwind.tenantId, DEMO_CLIENT_ID)).toEqual(['User.Read.All']);
    directory.setGrantableRoles(northwind.tenantId, null);
    expect(directory.rolesGrantedByAdmin(northwind.tenantId, DEMO_CLIENT_ID)).toEqual(DEMO_REQUIRED_ROLES);
  });

  it('records a change sequence per write and a tombstone per delete', () => {
    const tenant = directory.listTenants()[0];
    const user = directory.upsertUser(tenant.tenantId, { displayName: 'Test User' });
    const seq = tenant.changeSeq;
    directory.updateUser(tenant.tenantId, user.id, { jobTitle: 'Tester' });
    expect(tenant.users.get(user.id)?.seq).toBe(seq + 1);
    directory.deleteUser(tenant.tenantId, user.id, { permanent: true });
    expect(tenant.tombstones.get(user.id)).toEqual({ seq: seq + 2, reason: 'deleted' });
    expect(() => directory.deleteUser(tenant.tenantId, user.id)).toThrow(SimDirectoryError);
  });

  it('keeps users sorted by id for paging', () => {
    const ids = directory.listUsers(directory.listTenants()[0].tenantId).map((u) => u.id);
    expect(ids).toEqual([...ids].sort());
  });
});
