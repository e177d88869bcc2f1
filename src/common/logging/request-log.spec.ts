import fc from 'fast-check';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Writable } from 'node:stream';
import { createLogger } from './logger';
import { RequestLog } from './request-log';

/** Every line written, as written. */
class Lines extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    done();
  }
}

interface Exchange {
  id: string;
  method: string;
  url: string;
  userAgent: string | undefined;
  ip: string;
  status: number;
  elapsed: number;
}

function fastifyPair(exchange: Exchange) {
  const request = {
    id: exchange.id,
    method: exchange.method,
    url: exchange.url,
    headers: exchange.userAgent === undefined ? {} : { 'user-agent': exchange.userAgent },
    ip: exchange.ip,
    socket: { remoteAddress: exchange.ip },
  } as unknown as FastifyRequest;
  const reply = {
    statusCode: exchange.status,
    elapsedTime: exchange.elapsed,
  } as unknown as FastifyReply;
  return { request, reply };
}

/** The line pino wrote before issue #19, from the same fields (app.factory.ts's old hook). */
function pinoLine(stream: Lines, level: string, exchange: Exchange): void {
  const logger = createLogger(level, stream);
  const requestLevel = exchange.url === '/v1/health' && exchange.status === 200 ? 'debug' : 'info';
  if (!logger.isLevelEnabled(requestLevel)) return;
  logger[requestLevel](
    {
      req: {
        id: exchange.id,
        method: exchange.method,
        url: exchange.url.replace(/api_key=[^&]*/, 'api_key=[REDACTED]'),
        user_agent: exchange.userAgent,
        remote_address: exchange.ip,
      },
      res: { status_code: exchange.status },
      request_id: exchange.id,
      response_time_ms: Math.round(exchange.elapsed * 10) / 10,
    },
    'request completed',
  );
}

const withoutTime = (line: string) => line.replace(/"time":\d+/, '"time":0');

const exchanges = fc.record({
  id: fc.string({ unit: 'grapheme', maxLength: 40 }),
  method: fc.constantFrom('GET', 'POST', 'DELETE'),
  url: fc.oneof(
    fc.constant('/v1/health'),
    fc.constant('/v1/auth/verify?api_key=tk_live_secret'),
    fc.string({ unit: 'binary', maxLength: 80 }).map((path) => `/v1/${path.replace(/%/g, '')}`),
  ),
  userAgent: fc.option(fc.string({ unit: 'binary', maxLength: 200 }), { nil: undefined }),
  ip: fc.constantFrom('127.0.0.1', '203.0.113.7', '2001:db8::1'),
  status: fc.constantFrom(200, 201, 204, 401, 429, 500, 503),
  elapsed: fc.double({ min: 0, max: 100_000, noNaN: true }),
});

describe('RequestLog', () => {
  it("writes pino's line, byte for byte, at every level", () => {
    fc.assert(
      fc.property(exchanges, fc.constantFrom('debug', 'info', 'warn'), (exchange, level) => {
        const byHand = new Lines();
        const byPino = new Lines();
        const { request, reply } = fastifyPair(exchange);
        new RequestLog(createLogger(level, byHand), byHand).write(request, reply);
        pinoLine(byPino, level, exchange);
        expect(byHand.lines.map(withoutTime)).toEqual(byPino.lines.map(withoutTime));
      }),
      { numRuns: 300 },
    );
  });

  it('logs a failed health probe at info and a healthy one only at debug', () => {
    const lines = new Lines();
    const log = new RequestLog(createLogger('info', lines), lines);
    const probe = (status: number) =>
      fastifyPair({
        id: 'probe',
        method: 'GET',
        url: '/v1/health',
        userAgent: undefined,
        ip: '127.0.0.1',
        status,
        elapsed: 0.2,
      });
    const healthy = probe(200);
    log.write(healthy.request, healthy.reply);
    expect(lines.lines).toEqual([]);
    const failing = probe(503);
    log.write(failing.request, failing.reply);
    expect(JSON.parse(lines.lines[0])).toEqual(
      expect.objectContaining({ level: 30, res: { status_code: 503 } }),
    );
  });

  describe('successful verifications (VERIFY_LOG_SAMPLE)', () => {
    const verification = (status: number) => {
      const pair = fastifyPair({
        id: `req-${status}`,
        method: 'GET',
        url: '/v1/auth/verify',
        userAgent: 'tenant-api/1.0',
        ip: '203.0.113.7',
        status,
        elapsed: 0.4,
      });
      Object.assign(pair.request, {
        routeOptions: { url: '/v1/auth/verify', config: { sampledRequestLog: true } },
      });
      return pair;
    };
    const logged = (level: string, sample: number, statuses: number[]) => {
      const lines = new Lines();
      const log = new RequestLog(createLogger(level, lines), lines, sample);
      for (const status of statuses) {
        const { request, reply } = verification(status);
        log.write(request, reply);
      }
      return lines.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    };

    it('writes one in N at info, marked as sampled, and every refusal', () => {
      const statuses = [...Array<number>(250).fill(200), 401, 429, 403, 500];
      const lines = logged('info', 100, statuses);
      const successes = lines.filter(
        (line) => (line.res as { status_code: number }).status_code === 200,
      );
      expect(successes).toHaveLength(2);
      expect(successes[0]).toEqual(
        expect.objectContaining({ sampled_one_in: 100, msg: 'request completed' }),
      );
      expect(lines.filter((line) => line.sampled_one_in === undefined)).toHaveLength(4);
    });

    it('writes every one with 1, none with 0, and every one at LOG_LEVEL=debug', () => {
      const statuses = Array<number>(30).fill(200);
      expect(logged('info', 1, statuses)).toHaveLength(30);
      expect(logged('info', 1, statuses)[0]).not.toHaveProperty('sampled_one_in');
      expect(logged('info', 0, [...statuses, 401])).toHaveLength(1);
      expect(logged('debug', 100, statuses)).toHaveLength(30);
      expect(logged('warn', 1, statuses)).toHaveLength(0);
    });

    it('samples no other route', () => {
      const lines = new Lines();
      const log = new RequestLog(createLogger('info', lines), lines, 100);
      for (let i = 0; i < 5; i++) {
        const { request, reply } = fastifyPair({
          id: `other-${i}`,
          method: 'GET',
          url: '/v1/api-keys',
          userAgent: undefined,
          ip: '127.0.0.1',
          status: 200,
          elapsed: 1,
        });
        Object.assign(request, { routeOptions: { url: '/v1/api-keys', config: {} } });
        log.write(request, reply);
      }
      expect(lines.lines).toHaveLength(5);
    });
  });
});
