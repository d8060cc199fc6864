import type { AppRecord, TenantRecord } from '../directory/directory-records';
import type { SimDirectory } from '../directory/sim-directory';
import { GRAPH_APP_ID, GRAPH_RESOURCE } from '../tokens/token-endpoint';
import type { SimResponse } from '../http/sim-response';

const TENANT_ALIASES = new Set(['common', 'organizations']);
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

interface ConsentRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string | null;
}

/**
 * The v2 admin consent endpoint, GET/POST /{tenant|organizations}/v2.0/adminconsent: a page
 * where the admin picks a tenant (a simulated sign-in) and accepts or cancels. client_id and
 * redirect_uri are checked before anything else: when they are wrong the page shows an error
 * and never redirects, as Entra does, so a forged link cannot bounce anywhere.
 */
export class AdminConsentPage {
  constructor(private readonly directory: SimDirectory) {}

  show(tenantSegment: string, query: URLSearchParams): SimResponse {
    const checked = this.check(tenantSegment, query);
    if ('status' in checked) return checked;
    const { request, app, tenants } = checked;
    const scopeError = this.scopeError(request);
    if (scopeError) return redirect(request, scopeError);
    if (app.disabled) {
      return redirect(request, {
        error: 'unauthorized_client',
        error_description: `AADSTS7000112: Application '${app.clientId}'(${app.displayName}) is disabled.`,
      });
    }
    return { status: 200, body: renderPage(tenantSegment, request, app, tenants), headers: htmlHeaders() };
  }

  /** The error page for a tenant segment that is not even well-formed (bad percent-escape). */
  invalidTenant(rawSegment: string): SimResponse {
    return errorPage(
      400,
      'AADSTS900023',
      `Specified tenant identifier '${rawSegment}' is neither a valid DirectoryId nor a valid ExternalId.`,
    );
  }

  submit(tenantSegment: string, form: URLSearchParams): SimResponse {
    const checked = this.check(tenantSegment, form);
    if ('status' in checked) return checked;
    const { request, app, tenants } = checked;
    const scopeError = this.scopeError(request);
    if (scopeError) return redirect(request, scopeError);
    if (form.get('action') !== 'accept') {
      // Entra puts admin_consent=True on this failure too, which is why clients check `error` first.
      return redirect(request, {
        admin_consent: 'True',
        error: 'access_denied',
        error_description: 'AADSTS65004: User declined to consent to access the app.',
      });
    }
    const tenant = tenants.find((t) => t.tenantId === (form.get('tenant') ?? '').toLowerCase());
    if (!tenant) return errorPage(400, 'AADSTS90002', 'Pick one of the listed tenants to sign in to.');
    const existing = tenant.consents.get(app.clientId);
    // A re-consent must not break a consent that already works while the new one propagates.
    const propagated = existing !== undefined && existing.effectiveAt <= Date.now();
    // The tenant's consent policy may keep some roles out of the grant: partial consent.
    const roles = this.directory.rolesGrantedByAdmin(tenant.tenantId, app.clientId);
    this.directory.grantConsent(tenant.tenantId, app.clientId, roles, propagated ? { propagationDelayMs: 0 } : {});
    const resource = request.scope.slice(0, -'/.default'.length).replace(/\/$/, '');
    return redirect(request, {
      admin_consent: 'True',
      tenant: tenant.tenantId,
      scope: roles.map((role) => `${resource}/${role}`).join(' '),
    });
  }

  private check(
    tenantSegment: string,
    params: URLSearchParams,
  ): { request: ConsentRequest; app: AppRecord; tenants: TenantRecord[] } | SimResponse {
    const clientId = params.get('client_id') ?? '';
    const app = clientId ? this.directory.getApp(clientId) : undefined;
    if (!app) {
      return errorPage(
        400,
        'AADSTS700016',
        `Application with identifier '${clientId}' was not found in the directory '${tenantSegment}'.`,
      );
    }
    const redirectUri = params.get('redirect_uri') ?? '';
    if (!redirectUri || !app.redirectUris.some((registered) => redirectUriMatches(registered, redirectUri))) {
      return errorPage(
        400,
        'AADSTS50011',
        `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${app.clientId}'.`,
      );
    }
    let tenants: TenantRecord[];
    if (TENANT_ALIASES.has(tenantSegment.toLowerCase())) {
      tenants = this.directory.listTenants().filter((t) => !t.nationalCloud);
    } else {
      const tenant = this.directory.resolveTenant(tenantSegment);
      if (!tenant) return errorPage(400, 'AADSTS90002', `Tenant '${tenantSegment}' not found.`);
      tenants = [tenant];
    }
    return {
      request: { clientId: app.clientId, redirectUri, scope: params.get('scope') ?? '', state: params.get('state') },
      app,
      tenants,
    };
  }

  private scopeError(request: ConsentRequest): Record<string, string> | undefined {
    const resource = request.scope.endsWith('/.default')
      ? request.scope.slice(0, -'/.default'.length).replace(/\/$/, '')
      : '';
    if (resource === GRAPH_RESOURCE || resource === GRAPH_APP_ID) return undefined;
    return {
      error: 'invalid_request',
      error_description: `AADSTS70011: The provided value for the input parameter 'scope' is not valid. The scope '${request.scope}' is not valid; admin consent needs {resource}/.default.`,
    };
  }
}

/** Entra's rule: exact match, except that the port of an http loopback URI is ignored. */
export function redirectUriMatches(registered: string, requested: string): boolean {
  if (registered === requested) return true;
  try {
    const a = new URL(registered);
    const b = new URL(requested);
    return (
      a.protocol === 'http:' &&
      b.protocol === 'http:' &&
      LOOPBACK_HOSTS.has(a.hostname) &&
      a.hostname === b.hostname &&
      a.pathname === b.pathname &&
      a.search === b.search
    );
  } catch {
    return false;
  }
}

function redirect(request: ConsentRequest, params: Record<string, string>): SimResponse {
  const target = new URL(request.redirectUri);
  for (const [name, value] of Object.entries(params)) target.searchParams.append(name, value);
  if (request.state !== null) target.searchParams.append('state', request.state);
  return { status: 302, body: '', headers: { location: target.toString(), 'cache-control': 'no-store' } };
}

function htmlHeaders(): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  };
}

function errorPage(status: number, code: string, message: string): SimResponse {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in error</title>${STYLE}</head>
<body><main class="card"><h1>Sorry, but we're having trouble signing you in.</h1>
<p id="error-code"><strong>${escapeHtml(code)}</strong>: ${escapeHtml(message)}</p>
<p class="muted">entra-sim — simulated Microsoft identity platform</p></main></body></html>`;
  return { status, body, headers: htmlHeaders() };
}

function renderPage(tenantSegment: string, request: ConsentRequest, app: AppRecord, tenants: TenantRecord[]): string {
  const tenantChoices = tenants
    .map((tenant, index) => {
      const consented = tenant.consents.has(app.clientId) ? ' <span class="muted">(already consented)</span>' : '';
      return `<label class="tenant"><input type="radio" name="tenant" value="${escapeHtml(tenant.tenantId)}" data-domain="${escapeHtml(tenant.domain)}"${index === 0 ? ' checked' : ''}>
<span>admin@${escapeHtml(tenant.domain)} — ${escapeHtml(tenant.displayName)}</span>${consented}</label>`;
    })
    .join('\n');
  const permissions = app.requiredRoles
    .map((role) => `<li>${escapeHtml(role)} <span class="muted">(application permission, Microsoft Graph)</span></li>`)
    .join('');
  const hidden = (name: string, value: string | null) =>
    value === null ? '' : `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Permissions requested</title>${STYLE}</head>
<body><main class="card">
<p class="muted">entra-sim — simulated Microsoft identity platform</p>
<h1>Permissions requested</h1>
<p><strong id="app-name">${escapeHtml(app.displayName)}</strong> <span class="muted">(${escapeHtml(app.clientId)})</span></p>
<form method="post" action="/${encodeURIComponent(tenantSegment)}/v2.0/adminconsent">
${hidden('client_id', request.clientId)}${hidden('redirect_uri', request.redirectUri)}${hidden('scope', request.scope)}${hidden('state', request.state)}
<fieldset><legend>Sign in as the administrator of</legend>
${tenantChoices || '<p>No tenants in the simulated directory.</p>'}
</fieldset>
<p>This app would like to:</p><ul id="permissions">${permissions || '<li>Sign in (no application permissions)</li>'}</ul>
<p class="muted">Accepting grants these permissions for the whole organization.</p>
<div class="actions"><button type="submit" name="action" value="cancel" id="cancel">Cancel</button>
<button type="submit" name="action" value="accept" id="accept" class="primary">Accept</button></div>
</form></main></body></html>`;
}

const STYLE = `<style>body{font-family:"Segoe UI",system-ui,sans-serif;background:#f2f2f2;margin:0}
.card{max-width:460px;margin:48px auto;background:#fff;padding:32px 40px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:22px;font-weight:600}.muted{color:#666;font-size:13px}.tenant{display:block;margin:6px 0}
fieldset{border:1px solid #ddd;padding:8px 12px}.actions{text-align:right;margin-top:24px}
button{min-width:108px;padding:6px 12px;margin-left:8px;border:1px solid #8a8886;background:#fff;cursor:pointer}
button.primary{background:#0067b8;color:#fff;border-color:#0067b8}</style>`;

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}
