// Starts the HTTP server for the API's request listener and closes it gracefully.
import { createServer, type RequestListener, type Server } from 'node:http';

export interface RunningServer {
  server: Server;
  port: number;
  /** Stops accepting connections, lets in-flight requests finish, then drops idle keep-alives. */
  close(timeoutMs?: number): Promise<void>;
}

export function listen(app: RequestListener, port: number): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = createServer(app);
    server.listen(port, () => {
      const address = server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      resolve({
        server,
        port: actualPort,
        close: (timeoutMs = 10_000) =>
          new Promise<void>((done) => {
            const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
            server.close(() => {
              clearTimeout(force);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
    server.once('error', reject);
  });
}
