// The signed assertion of Salesforce's OAuth 2.0 JWT bearer flow (RS256, valid for 3 minutes).
import { sign } from 'node:crypto';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const ASSERTION_LIFETIME_SECONDS = 180;

export interface JwtBearerClaims {
  /** The connected app's consumer key. */
  clientId: string;
  /** The Salesforce user the integration acts as. */
  username: string;
  /** The login URL (https://login.salesforce.com, https://test.salesforce.com or the My Domain URL). */
  audience: string;
}

/** Throws when `privateKeyPem` is not a usable RSA private key. */
export function jwtBearerAssertion({ clientId, username, audience }: JwtBearerClaims, privateKeyPem: string, now = Date.now()): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const claims = { iss: clientId, sub: username, aud: audience, exp: Math.floor(now / 1000) + ASSERTION_LIFETIME_SECONDS };
  const unsigned = `${encode({ alg: 'RS256' })}.${encode(claims)}`;
  return `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), privateKeyPem).toString('base64url')}`;
}
