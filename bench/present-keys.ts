// Presents many API keys once each, as fast as a few keep-alive connections allow: the memory
// pass shows an instance 100,000 keys, where autocannon's per-request bookkeeping (a histogram,
// a header object per request) cost the load core more than the instance it measures.
import { Agent, request } from 'node:http';

/** Sends GET `url` with each key (X-API-Key) once, `connections` at a time; throws on a non-200. */
export async function presentKeys(
  url: string,
  keys: readonly string[],
  connections = 16,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL(url);
  let next = 0;
  const one = (key: string) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          headers: { 'x-api-key': key },
        },
        (res) => {
          res.resume();
          res.once('end', () =>
            res.statusCode === 200
              ? resolve()
              : reject(new Error(`${url} answered ${res.statusCode} to a seeded key`)),
          );
        },
      );
      req.once('error', reject);
      req.end();
    });
  const worker = async () => {
    while (next < keys.length) await one(keys[next++]);
  };
  try {
    await Promise.all(Array.from({ length: connections }, worker));
  } finally {
    agent.destroy();
  }
}
