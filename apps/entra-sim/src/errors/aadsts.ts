import { AadstsError } from './aadsts-error';

/**
 * The AADSTS failures the simulator produces, with Entra's error, status and wording (the
 * wording is shortened; clients must branch on `error`/`error_codes`, never on text).
 */
export const aadsts = {
  tenantNotFound: (tenant: string) =>
    new AadstsError(
      400,
      'invalid_request',
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  tenantNotFoundDiscovery: (tenant: string) =>
    new AadstsError(
      400,
      'invalid_tenant',
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  invalidTenantIdentifier: (tenant: string) =>
    new AadstsError(
      400,
      'invalid_request',
      900023,
      `Specified tenant identifier '${tenant}' is neither a valid DirectoryId nor a valid ExternalId.`,
    ),
  nationalCloud: (tenant: string, cloud: string) =>
    new AadstsError(
      400,
      'invalid_request',
      90038,
      `Tenant '${tenant}' is not in the current cloud instance. The tenant belongs to the national cloud '${cloud}', which does not federate with this cloud instance.`,
    ),
  noTenant: () =>
    new AadstsError(
      400,
      'invalid_request',
      50059,
      'No tenant-identifying information found in either the request or implied by any provided credentials. Client credential requests need a tenant-specific authority.',
    ),
  unsupportedGrant: (grant: string) =>
    new AadstsError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`),
  missingParameter: (name: string) =>
    new AadstsError(
      400,
      'invalid_request',
      900144,
      `The request body must contain the following parameter: '${name}'.`,
    ),
  invalidScope: (scope: string) =>
    new AadstsError(
      400,
      'invalid_scope',
      70011,
      `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid. Client credential flows must have exactly one scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  resourceNotFound: (resource: string, tenant: string) =>
    new AadstsError(
      400,
      'invalid_resource',
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
    ),
  appNotInTenant: (clientId: string, tenant: string) =>
    new AadstsError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  appDisabled: (clientId: string, displayName: string) =>
    new AadstsError(400, 'unauthorized_client', 7000112, `Application '${clientId}'(${displayName}) is disabled.`),
  noCredential: () =>
    new AadstsError(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    ),
  invalidSecret: (clientId: string) =>
    new AadstsError(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    ),
  expiredSecret: (clientId: string, displayName: string) =>
    new AadstsError(
      401,
      'invalid_client',
      7000222,
      `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds. (${displayName})`,
    ),
  badAssertionType: (type: string) =>
    new AadstsError(
      400,
      'invalid_request',
      50027,
      `Invalid client_assertion_type '${type}'; expected urn:ietf:params:oauth:client-assertion-type:jwt-bearer.`,
    ),
  malformedAssertion: (reason: string) =>
    new AadstsError(401, 'invalid_client', 50027, `JWT token is invalid or malformed: ${reason}.`),
  badAssertionSignature: (reason: string) =>
    new AadstsError(401, 'invalid_client', 700027, `Client assertion failed signature validation. ${reason}`),
  assertionClientMismatch: () =>
    new AadstsError(
      401,
      'invalid_client',
      700021,
      "Client assertion application identifier doesn't match 'client_id' parameter.",
    ),
  assertionAudience: (audience: string) =>
    new AadstsError(
      401,
      'invalid_client',
      700027,
      `Client assertion failed validation: audience claim '${audience}' does not match the token endpoint.`,
    ),
  assertionTime: () =>
    new AadstsError(400, 'invalid_client', 700024, 'Client assertion is not within its valid time range.'),
  assertionReplay: () =>
    new AadstsError(
      401,
      'invalid_client',
      50013,
      "Assertion failed validation: its 'jti' was already used. Sign a fresh client assertion (with a new jti) for every token request.",
    ),
  certificateExpired: () =>
    new AadstsError(
      401,
      'invalid_client',
      1000502,
      'The provided client certificate is not within its validity period.',
    ),
  federatedIssuer: (issuer: string) =>
    new AadstsError(
      400,
      'invalid_client',
      700211,
      `No matching federated identity record found for presented assertion issuer '${issuer}'.`,
    ),
  federatedSubject: (subject: string) =>
    new AadstsError(
      400,
      'invalid_client',
      700213,
      `No matching federated identity record found for presented assertion subject '${subject}'.`,
    ),
  federatedAudience: (audience: string) =>
    new AadstsError(
      400,
      'invalid_client',
      700212,
      `No matching federated identity record found for presented assertion audience '${audience}'.`,
    ),
  throttled: (retryAfterSeconds: number) =>
    new AadstsError(
      429,
      'temporarily_unavailable',
      90055,
      'TenantThrottlingError - There are too many incoming requests. Retry after the time given in the Retry-After header.',
      retryAfterSeconds,
    ),
  transient: (status: number, retryAfterSeconds?: number) =>
    new AadstsError(
      status,
      'temporarily_unavailable',
      90024,
      'RequestBudgetExceededError - A transient error has occurred. Try again.',
      retryAfterSeconds,
    ),
};
