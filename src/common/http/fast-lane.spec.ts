import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { FastLane, FastLaneSettings, LaneHandler } from './fast-lane';

const API_HEADERS = { 'cache-control': 'no-store' };

/**
 * A real node:http server whose own listener stands for Fastify's ("fastify" answers 299), with
 * the lane put ahead of it.
 */
async function laneServer(handler: LaneHandler, settings: Partial<FastLaneSettings> = {}) {
  const preClose: ((done: () => void) => void)[] = [];
  const fastify = {
    addHook: (name: string, hook: (done: () => void) => void) => {
      if (name === 'preClose') preClose.push(hook);
    },
  } as unknown as FastifyInstance;
  const logged: { status: number; elapsed: number }[] = [];
  const failures: string[] = [];
  const lane = new FastLane(fastify, {
    apiHeaders: API_HEADERS,
    requestIp: (raw) => raw.socket.remoteAddress,
    logRequest: (_request, reply) =>
      logged.push({ status: reply.statusCode, elapsed: reply.elapsedTime }),
    answerError: (error, _request, reply) =>
      void reply.status(503).send({ detail: String((error as Error).message) }),
    logFailure: (_error, message) => failures.push(message),
    ...settings,
  });
  lane.route('/lane', { handler, routeOptions: { method: 'GET', url: '/lane', config: {} } });
  const server: Server = createServer((_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(299).end('fastify');
  });
  lane.install(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    logged,
    failures,
    get: (path: string, init?: RequestInit) => fetch(base + path, init),
    startClosing: () => preClose.forEach((hook) => hook(() => undefined)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('FastLane', () => {
  let server: Awaited<ReturnType<typeof laneServer>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers its exact path and leaves every other request, and all once closing, to Fastify', async () => {
    server = await laneServer(() => ({ ok: true }));
    const answered = await server.get('/lane');
    expect(answered.status).toBe(200);
    expect(answered.headers.get('cache-control')).toBe('no-store');
    expect(answered.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await expect(answered.json()).resolves.toEqual({ ok: true });
    for (const path of ['/lane?x=1', '/lane/', '/other']) {
      expect((await server.get(path)).status).toBe(299);
    }
    expect((await server.get('/lane', { method: 'POST', body: 'x' })).status).toBe(299);
    server.startClosing();
    expect((await server.get('/lane')).status).toBe(299);
  });

  it('answers what the handler throws or rejects with through the error answer, and logs each request once', async () => {
    let calls = 0;
    server = await laneServer(() => {
      calls++;
      if (calls === 1) throw new Error('thrown');
      return Promise.reject(new Error('rejected'));
    });
    for (const detail of ['thrown', 'rejected']) {
      const answer = await server.get('/lane');
      expect(answer.status).toBe(503);
      await expect(answer.json()).resolves.toEqual({ detail });
    }
    expect(server.logged.map((line) => line.status)).toEqual([503, 503]);
  });

  it('fails one request with the contract’s 500, never the process, when the error answer fails too', async () => {
    server = await laneServer(
      (_request, reply: FastifyReply) => void reply.header('x-bad', 'line\nbreak').send('never'),
      {
        answerError: () => {
          throw new Error('the filter failed');
        },
      },
    );
    const answer = await server.get('/lane');
    expect(answer.status).toBe(500);
    const body = (await answer.json()) as { detail: string; request_id: string };
    expect(body).toEqual({
      detail: 'Internal server error',
      request_id: answer.headers.get('x-request-id'),
    });
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(server.failures).toEqual(['Fast lane error answer failed']);
    // The process and the server are still there.
    expect((await server.get('/other')).status).toBe(299);
  });
});
