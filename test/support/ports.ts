import * as net from 'node:net';

/**
 * A TCP port that was free a moment ago (bound to port 0 on all interfaces, then released).
 * Racy by nature: prefer listening on port 0 directly when the server allows it.
 * @throws when the OS refuses to bind.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
