// The fake's OAuth 2.0 token endpoint checks: client credentials, JWT bearer, username-password and refresh token grants.
import { createHmac, type KeyObject, randomBytes, verify } from 'node:crypto';

export interface ConnectedApp {
  clientId: string;
  clientSecret: string;
  /** The integration user: the JWT `sub`, the password grant's username. */
  username: string;
  password: string;
  /** The certificate uploaded to the connected app: JWT signatures are checked when set. */
  jwtPublicKey: KeyObject | undefined;
  /** A refresh token the org issued earlier (web-server flow), accepted by the refresh_token grant. */
  refreshToken: string | undefined;
  /** What a JWT's `aud` must be: the org's login URL. */
  audience: string;
}

/** An OAuth error, answered 400 `{"error","error_description"}` like Salesforce. */
export interface OAuthError {
  error: string;
  error_description: string;
}

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const INVALID_CLIENT_ID: OAuthError = { error: 'invalid_client_id', error_description: 'client identifier invalid' };
const INVALID_CLIENT: OAuthError = { error: 'invalid_client', error_description: 'invalid client credentials' };

/** Undefined when the grant is valid, else the error Salesforce answers. */
export function checkGrant(form: URLSearchParams, authorization: string | undefined, app: ConnectedApp, now = Date.now()): OAuthError | undefined {
  const grantType = form.get('grant_type');
  switch (grantType) {
    case 'client_credentials': {
      const { clientId, clientSecret } = clientCredentials(form, authorization);
      return checkClient(app, clientId, clientSecret, true);
    }
    case JWT_BEARER_GRANT:
      return checkAssertion(form.get('assertion') ?? '', app, now);
    case 'password':
      return (
        checkClient(app, form.get('client_id'), form.get('client_secret'), true) ??
        (form.get('username') === app.username && form.get('password') === app.password ? undefined : { error: 'invalid_grant', error_description: 'authentication failure' })
      );
    case 'refresh_token':
      return (
        checkClient(app, form.get('client_id'), form.get('client_secret'), false) ??
        (app.refreshToken !== undefined && form.get('refresh_token') === app.refreshToken ? undefined : { error: 'invalid_grant', error_description: 'expired access/refresh token' })
      );
    default:
      return { error: 'unsupported_grant_type', error_description: 'grant type not supported' };
  }
}

/** The token response's `signature`: HMAC-SHA256 of id + issued_at, keyed by the consumer secret. */
export function tokenSignature(id: string, issuedAt: string, clientSecret: string): string {
  return createHmac('sha256', clientSecret).update(id + issuedAt).digest('base64');
}

/** An access token in Salesforce's shape: the org id, '!', then an opaque part. */
export function newAccessToken(orgId: string): string {
  return `${orgId}!${randomBytes(40).toString('base64url')}`;
}

/** From HTTP Basic auth, else from the form (both are accepted for client credentials). */
function clientCredentials(form: URLSearchParams, authorization: string | undefined): { clientId: string | null; clientSecret: string | null } {
  const basic = authorization?.match(/^Basic\s+(\S+)$/i)?.[1];
  if (basic) {
    const [clientId = '', ...secret] = Buffer.from(basic, 'base64').toString('utf8').split(':');
    return { clientId: decodeURIComponent(clientId), clientSecret: decodeURIComponent(secret.join(':')) };
  }
  return { clientId: form.get('client_id'), clientSecret: form.get('client_secret') };
}

function checkClient(app: ConnectedApp, clientId: string | null, clientSecret: string | null, secretRequired: boolean): OAuthError | undefined {
  if (clientId !== app.clientId) return INVALID_CLIENT_ID;
  if (clientSecret === null ? secretRequired : clientSecret !== app.clientSecret) return INVALID_CLIENT;
  return undefined;
}

function checkAssertion(assertion: string, app: ConnectedApp, now: number): OAuthError | undefined {
  const invalid = (description: string): OAuthError => ({ error: 'invalid_grant', error_description: description });
  const [header, payload, signature] = assertion.split('.');
  if (header === undefined || payload === undefined || signature === undefined) return invalid('invalid assertion');
  let alg: unknown;
  let claims: { iss?: unknown; sub?: unknown; aud?: unknown; exp?: unknown };
  try {
    alg = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown }).alg;
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return invalid('invalid assertion');
  }
  if (alg !== 'RS256') return invalid('invalid assertion');
  if (claims.iss !== app.clientId) return INVALID_CLIENT_ID;
  if (typeof claims.aud !== 'string' || claims.aud.replace(/\/+$/, '') !== app.audience) return invalid('audience is invalid');
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now) return invalid('expired authorization code');
  if (claims.sub !== app.username) return invalid("user hasn't approved this consumer");
  if (app.jwtPublicKey && !verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), app.jwtPublicKey, Buffer.from(signature, 'base64url'))) {
    return invalid('invalid assertion');
  }
  return undefined;
}
