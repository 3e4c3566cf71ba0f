// The proxies trusted to report the client's address in X-Forwarded-For (a reverse proxy on this host), and that address.
import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/** Express's `trust proxy` setting, and the same rule for the requests served ahead of Express. */
export const TRUSTED_PROXIES = 'loopback';

const trusted = proxyAddr.compile(TRUSTED_PROXIES);

export const clientIp = (req: IncomingMessage): string => proxyAddr(req, trusted);
