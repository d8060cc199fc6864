export const MSAL_CLIENT_POOL = Symbol('MSAL_CLIENT_POOL');
