// The HTTP server every fake runs on: listening on a loopback port (random by default), and closed with its connections.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

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
