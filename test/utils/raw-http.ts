import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestApp } from './create-app';

/**
 * A GET whose request target goes out exactly as given. supertest passes URLs through the WHATWG
 * URL parser, which drops a `#…` part; a client can still send one, and Fastify's router reads
 * the query from it. Answers the status code.
 */
export async function rawGet(
  t: TestApp,
  target: string,
  headers: Record<string, string> = {},
): Promise<number> {
  const server = t.http as http.Server;
  if (!server.listening) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: target, headers }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      })
      .on('error', reject);
  });
}
