import type { TenantRecord, UserRecord } from '../directory/directory-records';
import { DEFAULT_USER_PROPERTIES, SELECTABLE_USER_PROPERTIES, type SimDirectory } from '../directory/sim-directory';
import type { SimEndpoint } from '../faults/fault-injector';
import type { AccessTokenClaims, TokenIssuer } from '../tokens/token-issuer';
import { GRAPH_APP_ID, GRAPH_RESOURCE } from '../tokens/token-endpoint';
import { decodePathSegment } from '../http/path-segment';
import type { SimResponse } from '../http/sim-response';
import { GraphError } from './graph-error';

const USER_READ_ROLES = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const ORGANIZATION_READ_ROLES = [
  'Organization.Read.All',
  'Organization.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
];
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 999;
const DELTA_TOKEN_TTL_MS = 7 * 86_400_000;
const WWW_AUTHENTICATE = `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`;

export interface GraphRequest {
  /** Path after the version segment, e.g. `/users/delta`. */
  path: string;
  /** Query parameters with lower-cased names. */
  query: Map<string, string>;
  authorization: string | undefined;
  prefer: string | undefined;
}

export interface AuthorizedGraphRequest {
  claims: AccessTokenClaims;
  tenant: TenantRecord;
  endpoint: SimEndpoint;
}

/**
 * Whom a paging or delta token was issued to: the tenant (`tid`) and the app (`appid`) of the
 * bearer token. Presented in another tenant's or app's context, the token is refused (410 for
 * delta, 400 for a users page), so a client that mixes up tenants' links fails loudly.
 */
interface TokenOwner {
  tid: string;
  app: string;
}

/** Where a users listing stands: the next page starts after the id `after`. */
interface UsersPageState extends TokenOwner {
  after: string;
}

/** Where a delta round stands: the changes in (since, upto], walked in id order after `after`. */
interface DeltaPageState extends TokenOwner {
  e: number;
  since: number;
  upto: number;
  after: string;
  sel: string;
  top: number;
  init: boolean;
}

interface DeltaLinkState extends TokenOwner {
  e: number;
  seq: number;
  sel: string;
  iat: number;
}

/**
 * GET /v1.0/users, /v1.0/users/{id}, /v1.0/users/delta and /v1.0/organization, answering for
 * the tenant of the bearer token (`tid`) when it carries a role that allows the read.
 */
export class GraphApi {
  constructor(
    private readonly directory: SimDirectory,
    private readonly issuer: TokenIssuer,
    private readonly graphBaseUrl: string,
  ) {}

  /** Resolves the endpoint and authenticates; throws 401/403/404 as Graph does. */
  authorize(request: GraphRequest): AuthorizedGraphRequest {
    const endpoint = this.endpointOf(request.path);
    const header = request.authorization;
    if (!header || !/^bearer /i.test(header) || header.length <= 7) {
      throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.', undefined, {
        'www-authenticate': WWW_AUTHENTICATE,
      });
    }
    const verdict = this.issuer.verify(header.slice(7).trim());
    if (verdict === 'invalid') {
      throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token validation failure.', undefined, {
        'www-authenticate': WWW_AUTHENTICATE,
      });
    }
    if (verdict === 'expired') {
      throw new GraphError(
        401,
        'InvalidAuthenticationToken',
        'Lifetime validation failed, the token is expired.',
        undefined,
        { 'www-authenticate': WWW_AUTHENTICATE },
      );
    }
    if (verdict.aud !== GRAPH_RESOURCE && verdict.aud !== GRAPH_APP_ID) {
      throw new GraphError(
        401,
        'InvalidAuthenticationToken',
        'Access token validation failure. Invalid audience.',
        undefined,
        { 'www-authenticate': WWW_AUTHENTICATE },
      );
    }
    const tenant = this.directory.resolveTenant(verdict.tid);
    if (!tenant) {
      throw new GraphError(
        401,
        'InvalidAuthenticationToken',
        'Access token validation failure. The tenant does not exist.',
        undefined,
        { 'www-authenticate': WWW_AUTHENTICATE },
      );
    }
    const allowed = endpoint === 'graph.organization' ? ORGANIZATION_READ_ROLES : USER_READ_ROLES;
    if (!verdict.roles?.some((role) => allowed.includes(role))) {
      throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    }
    return { claims: verdict, tenant, endpoint };
  }

  handle(request: GraphRequest, authorized: AuthorizedGraphRequest): SimResponse {
    const { tenant } = authorized;
    const owner: TokenOwner = { tid: tenant.tenantId, app: authorized.claims.appid.toLowerCase() };
    switch (authorized.endpoint) {
      case 'graph.organization':
        return this.organization(tenant);
      case 'graph.delta':
        return this.delta(tenant, owner, request);
      default: {
        if (request.path === '/users') return this.listUsers(tenant, owner, request);
        const raw = request.path.slice('/users/'.length);
        const id = decodePathSegment(raw);
        if (id === undefined) {
          throw new GraphError(400, 'BadRequest', `Invalid request URI: malformed percent-encoding in '${raw}'.`);
        }
        return this.getUser(tenant, id, request);
      }
    }
  }

  endpointOf(path: string): SimEndpoint {
    if (path === '/users' || (path.startsWith('/users/') && path !== '/users/delta' && path.indexOf('/', 7) < 0)) {
      return 'graph.users';
    }
    if (path === '/users/delta' || path === '/users/delta()') return 'graph.delta';
    if (path === '/organization') return 'graph.organization';
    throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${path.split('/')[1] ?? ''}'.`);
  }

  private listUsers(tenant: TenantRecord, owner: TokenOwner, request: GraphRequest): SimResponse {
    for (const name of request.query.keys()) {
      if (name !== '$top' && name !== '$select' && name !== '$skiptoken') {
        throw new GraphError(
          400,
          'Request_UnsupportedQuery',
          `The simulator does not support the query option '${name}' on users.`,
        );
      }
    }
    const top = this.pageSize(request);
    const select = this.parseSelect(request.query.get('$select'));
    const records = this.directory.sortedUsers(tenant);
    let start = 0;
    const skipToken = request.query.get('$skiptoken');
    if (skipToken) {
      const state = decodeState<UsersPageState>(skipToken, owner);
      if (!state || typeof state.after !== 'string') {
        throw new GraphError(
          400,
          'Request_BadRequest',
          'Invalid $skiptoken: it is malformed or was not issued to this application in this tenant.',
        );
      }
      start = firstIndexAfter(records, state.after);
    }
    const page = records.slice(start, start + top);
    let nextLink = '';
    if (start + top < records.length) {
      const after = encodeState({ ...owner, after: page[page.length - 1].user.id } satisfies UsersPageState);
      const selectPart = select ? `&$select=${select.join(',')}` : '';
      nextLink = `"@odata.nextLink":${JSON.stringify(`${this.graphBaseUrl}/users?$top=${top}${selectPart}&$skiptoken=${after}`)},`;
    }
    const context = select ? `users(${select.join(',')})` : 'users';
    return this.ok(
      `{"@odata.context":"${this.graphBaseUrl}/$metadata#${context}",${nextLink}"value":[${this.render(page, select)}]}`,
    );
  }

  private getUser(tenant: TenantRecord, id: string, request: GraphRequest): SimResponse {
    const record =
      tenant.users.get(id.toLowerCase()) ??
      [...tenant.users.values()].find((r) => r.user.userPrincipalName.toLowerCase() === id.toLowerCase());
    if (!record) {
      throw new GraphError(
        404,
        'Request_ResourceNotFound',
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
      );
    }
    const select = this.parseSelect(request.query.get('$select'));
    const body = this.render([record], select);
    return this.ok(`{"@odata.context":"${this.graphBaseUrl}/$metadata#users/$entity",${body.slice(1)}`);
  }

  private delta(tenant: TenantRecord, owner: TokenOwner, request: GraphRequest): SimResponse {
    const deltaToken = request.query.get('$deltatoken');
    const skipToken = request.query.get('$skiptoken');
    let state: DeltaPageState;
    if (skipToken) {
      const parsed = decodeState<DeltaPageState>(skipToken, owner);
      if (!parsed || parsed.e !== tenant.deltaEpoch || !isDeltaPageState(parsed)) throw syncStateNotFound();
      state = parsed;
    } else if (deltaToken) {
      const select = this.parseSelect(request.query.get('$select'));
      if (deltaToken.toLowerCase() === 'latest') {
        const link = this.deltaLink(tenant, owner, tenant.changeSeq, select?.join(',') ?? '');
        return this.ok(
          `{"@odata.context":"${this.graphBaseUrl}/$metadata#users","@odata.deltaLink":${JSON.stringify(link)},"value":[]}`,
        );
      }
      const parsed = decodeState<DeltaLinkState>(deltaToken, owner);
      if (
        !parsed ||
        !isDeltaLinkState(parsed) ||
        parsed.e !== tenant.deltaEpoch ||
        Date.now() - parsed.iat > DELTA_TOKEN_TTL_MS ||
        parsed.seq > tenant.changeSeq
      ) {
        throw syncStateNotFound();
      }
      state = {
        ...owner,
        e: parsed.e,
        since: parsed.seq,
        upto: tenant.changeSeq,
        after: '',
        sel: parsed.sel,
        top: this.pageSize(request),
        init: false,
      };
    } else {
      const select = this.parseSelect(request.query.get('$select'));
      state = {
        ...owner,
        e: tenant.deltaEpoch,
        since: 0,
        upto: tenant.changeSeq,
        after: '',
        sel: select?.join(',') ?? '',
        top: this.pageSize(request),
        init: true,
      };
    }

    const select = state.sel ? state.sel.split(',') : undefined;
    const records = this.directory.sortedUsers(tenant);
    const items: string[] = [];
    let lastId = state.after;
    let more = false;
    // Users (changed in the window) and tombstones (deleted in it), merged in id order.
    const tombstones = state.init
      ? []
      : [...tenant.tombstones]
          .filter(([, t]) => t.seq > state.since && t.seq <= state.upto)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    let u = firstIndexAfter(records, state.after);
    let t = tombstones.findIndex(([id]) => id > state.after);
    if (t < 0) t = tombstones.length;
    while (u < records.length || t < tombstones.length) {
      const record = records[u];
      const useUser = record !== undefined && (t >= tombstones.length || record.user.id < tombstones[t][0]);
      if (useUser) {
        u++;
        if (record.seq <= state.since || record.seq > state.upto) continue;
        if (items.length === state.top) {
          more = true;
          break;
        }
        items.push(this.render([record], select));
        lastId = record.user.id;
      } else {
        const [id, tombstone] = tombstones[t];
        if (items.length === state.top) {
          more = true;
          break;
        }
        t++;
        items.push(`{"@odata.type":"#microsoft.graph.user","id":"${id}","@removed":{"reason":"${tombstone.reason}"}}`);
        lastId = id;
      }
    }
    let link: string;
    if (more) {
      link = `"@odata.nextLink":${JSON.stringify(`${this.graphBaseUrl}/users/delta?$skiptoken=${encodeState({ ...state, after: lastId })}`)}`;
    } else {
      link = `"@odata.deltaLink":${JSON.stringify(this.deltaLink(tenant, owner, state.upto, state.sel))}`;
    }
    return this.ok(`{"@odata.context":"${this.graphBaseUrl}/$metadata#users",${link},"value":[${items.join(',')}]}`);
  }

  private deltaLink(tenant: TenantRecord, owner: TokenOwner, seq: number, sel: string): string {
    const token: DeltaLinkState = { ...owner, e: tenant.deltaEpoch, seq, sel, iat: Date.now() };
    return `${this.graphBaseUrl}/users/delta?$deltatoken=${encodeState(token)}`;
  }

  private organization(tenant: TenantRecord): SimResponse {
    const organization = {
      id: tenant.tenantId,
      deletedDateTime: null,
      businessPhones: [],
      city: null,
      country: null,
      countryLetterCode: 'US',
      createdDateTime: tenant.createdDateTime,
      displayName: tenant.displayName,
      tenantType: 'AAD',
      verifiedDomains: tenant.domains.map((name, index) => ({
        capabilities: 'Email, OfficeCommunicationsOnline',
        isDefault: index === 0,
        isInitial: index === 0,
        name,
        type: 'Managed',
      })),
    };
    return this.ok(
      JSON.stringify({ '@odata.context': `${this.graphBaseUrl}/$metadata#organization`, value: [organization] }),
    );
  }

  private pageSize(request: GraphRequest): number {
    const raw = request.query.get('$top') ?? /odata\.maxpagesize=(\d+)/i.exec(request.prefer ?? '')?.[1];
    if (raw === undefined) return DEFAULT_PAGE_SIZE;
    const top = Number(raw);
    if (!Number.isInteger(top) || top < 1 || top > MAX_PAGE_SIZE) {
      throw new GraphError(
        400,
        'Request_UnsupportedQuery',
        `Invalid page size specified: '${raw}'. Must be between 1 and ${MAX_PAGE_SIZE} inclusive.`,
      );
    }
    return top;
  }

  private parseSelect(raw: string | undefined): string[] | undefined {
    if (!raw) return undefined;
    const properties = raw
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    for (const property of properties) {
      if (!SELECTABLE_USER_PROPERTIES.has(property)) {
        throw new GraphError(
          400,
          'Request_BadRequest',
          `Could not find a property named '${property}' on type 'microsoft.graph.user'.`,
        );
      }
    }
    return properties.length ? properties : undefined;
  }

  private render(records: UserRecord[], select: string[] | undefined): string {
    if (!select) return records.map((r) => r.json).join(',');
    const withId = select.includes('id') ? select : [...select, 'id'];
    return records
      .map((record) => {
        const view: Record<string, unknown> = {};
        for (const property of withId) view[property] = record.user[property as keyof typeof record.user];
        return JSON.stringify(view);
      })
      .join(',');
  }

  private ok(body: string): SimResponse {
    return {
      status: 200,
      body,
      headers: {
        'content-type':
          'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8',
      },
    };
  }
}

/** Default properties are the ones Graph returns without $select (re-exported for tests). */
export const GRAPH_DEFAULT_USER_PROPERTIES = DEFAULT_USER_PROPERTIES;

function syncStateNotFound(): GraphError {
  return new GraphError(
    410,
    'syncStateNotFound',
    'The sync state generation is not found or has expired. Start over without a delta token (full resync).',
  );
}

/** Tokens are opaque to clients (base64url, as Graph's are); inside, the state and its owner. */
function encodeState<T extends TokenOwner>(state: T): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

/** The state in a token, or undefined when it is not one of ours or belongs to another owner. */
function decodeState<T extends TokenOwner>(token: string, owner: TokenOwner): Partial<T> | undefined {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const state = value as Partial<T>;
    return state.tid === owner.tid && state.app === owner.app ? state : undefined;
  } catch {
    return undefined;
  }
}

function isDeltaLinkState(state: Partial<DeltaLinkState>): state is DeltaLinkState {
  return Number.isInteger(state.seq) && Number.isFinite(state.iat) && typeof state.sel === 'string';
}

function isDeltaPageState(state: Partial<DeltaPageState>): state is DeltaPageState {
  return (
    Number.isInteger(state.since) &&
    Number.isInteger(state.upto) &&
    Number.isInteger(state.top) &&
    (state.top as number) >= 1 &&
    (state.top as number) <= MAX_PAGE_SIZE &&
    typeof state.after === 'string' &&
    typeof state.sel === 'string' &&
    typeof state.init === 'boolean'
  );
}

/** Index of the first record whose id sorts after `after` (binary search; ids are unique). */
function firstIndexAfter(records: UserRecord[], after: string): number {
  if (!after) return 0;
  let low = 0;
  let high = records.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (records[mid].user.id <= after) low = mid + 1;
    else high = mid;
  }
  return low;
}
