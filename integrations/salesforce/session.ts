// One org's jsforce Connection, authorized lazily by the client-credentials or JWT bearer grant and re-granted when the session expires.
import { Connection } from 'jsforce';
import type { SalesforceSettings } from '../../lib/config';
import { IntegrationError } from '../errors';
import { currentCall } from './call-scope';
import { tokenRequestError } from './classify-error';
import type { FetchTransport } from './fetch-transport';
import { JWT_BEARER_GRANT, jwtBearerAssertion } from './jwt-assertion';

export class SalesforceSession {
  private readonly connection: Connection;
  private authorized: Promise<Connection> | undefined;

  constructor(
    private readonly settings: SalesforceSettings,
    transport: FetchTransport,
  ) {
    const { loginUrl, instanceUrl, clientId, clientSecret, apiVersion } = settings;
    // Neither grant returns a refresh token, so an expired session (401) is renewed by running the grant again.
    this.connection = new Connection({ loginUrl, instanceUrl, version: apiVersion, oauth2: { clientId, clientSecret, loginUrl }, refreshFn: (_connection, callback) => this.regrant(callback) });
    this.connection._transport = transport;
    this.connection.oauth2._transport = transport;
  }

  /** The connection, authorized on first use; a failed authorization is tried again by the next caller. */
  connect(): Promise<Connection> {
    this.authorized ??= this.grant().then(
      () => this.connection,
      (error: unknown) => {
        this.authorized = undefined;
        throw error;
      },
    );
    return this.authorized;
  }

  /** Runs the configured grant; jsforce then switches to the token's instance_url. Failures are IntegrationErrors. */
  private async grant(): Promise<void> {
    const { jwt, clientId, loginUrl } = this.settings;
    const params: { grant_type: string; [name: string]: string } = jwt ? { grant_type: JWT_BEARER_GRANT, assertion: this.assertion(jwt, clientId, loginUrl) } : { grant_type: 'client_credentials' };
    try {
      await this.connection.authorize(params);
    } catch (error) {
      throw tokenRequestError(error, currentCall());
    }
  }

  private assertion(jwt: NonNullable<SalesforceSettings['jwt']>, clientId: string, audience: string): string {
    try {
      return jwtBearerAssertion({ clientId, username: jwt.username, audience }, jwt.privateKey);
    } catch {
      throw new IntegrationError('salesforce', 'auth', 'SALESFORCE_PRIVATE_KEY is not a usable RSA private key (PEM)');
    }
  }

  /** jsforce's refresh hook: one new grant per write; a session refused again right after it is an auth failure, not a loop. */
  private regrant(callback: (error: Error | null, accessToken?: string) => void): void {
    const call = currentCall();
    if (call && call.refreshes > 0) {
      call.refreshFailure = new IntegrationError('salesforce', 'auth', 'Salesforce refused a session it had just issued (401 INVALID_SESSION_ID after a token refresh)', { status: 401 });
      callback(call.refreshFailure);
      return;
    }
    if (call) call.refreshes += 1;
    this.grant().then(
      () => callback(null, this.connection.accessToken ?? undefined),
      (error: Error) => {
        if (call) call.refreshFailure = error;
        callback(error);
      },
    );
  }
}
