// The HTTP server every fake runs on (a loopback port, random by default; closed with its connections) and its injected latency.
import { setMaxListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export async function listenLocally(port = 0, host = '127.0.0.1'): Promise<{ server: Server; origin: string }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return { server, origin: `http://${host}:${(server.address() as AddressInfo).port}` };
}

/** Closes the server, dropping kept-alive and in-flight connections instead of waiting for them. */
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  server.closeAllConnections();
  await closed;
}

/**
 * The latency a fake adds to each answer; `cutShort` ends every wait at once (at stop or reset). Any number of
 * requests may wait together, so the shared signal takes unlimited listeners (Node warns past 10 otherwise).
 */
export class InjectedLatency {
  ms = 0;
  private waits = newUnlimitedController();

  async wait(): Promise<void> {
    if (this.ms > 0) await sleep(this.ms, undefined, { signal: this.waits.signal }).catch(() => undefined);
  }

  cutShort(): void {
    this.waits.abort();
    this.waits = newUnlimitedController();
  }
}

function newUnlimitedController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
