import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DestinationStream, Logger } from 'pino';
import { clientAddressOf } from '../http/client-address';
import { redactUrl } from '../http/redaction';
import { withRouteConfig } from '../http/route-config';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Successful answers are logged one in VERIFY_LOG_SAMPLE at info (@SampledRequestLog). */
    sampledRequestLog?: boolean;
  }
}

/** pino's numbers for the two levels a request line is written at. */
const LEVEL_NUMBER = { debug: 20, info: 30 } as const;

/**
 * For a route called on every request tenants' APIs serve (GET /v1/auth/verify): its successful
 * answers get one request line in VERIFY_LOG_SAMPLE at info; refusals and errors get theirs.
 */
export const SampledRequestLog = () => withRouteConfig({ sampledRequestLog: true });

/**
 * The line written when a response is sent, one per request: the same JSON, field for field and in
 * the same order, as `logger.info({ req, res, request_id, response_time_ms }, 'request completed')`
 * (request-log.spec.ts compares the two), built here as one string and written to the logger's
 * destination. pino's path ran the wildcard `redact` paths over every field and copied each
 * through its serializers, and cost about as much as the rest of an API-key verify (issue #19);
 * this line has nothing to redact: it is built field by field, without headers, the URL's secret
 * parameters masked (redactUrl).
 */
export class RequestLog {
  private readonly afterTime: string;
  private readonly sampledField: string;
  /** Successful verifications since the last one written. */
  private verificationsUnwritten = 0;

  /**
   * @param verifySample one line in this many successful verifications at info (VERIFY_LOG_SAMPLE;
   *   1: every one, 0: none)
   */
  constructor(
    private readonly logger: Logger,
    private readonly destination: DestinationStream,
    private readonly verifySample = 1,
  ) {
    this.afterTime = `,"pid":${process.pid},"req":{"id":`;
    this.sampledField = `,"sampled_one_in":${verifySample}`;
  }

  write(request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    // Load balancers probe health constantly: only failures of it are worth a line.
    const level = status === 200 && request.url === '/v1/health' ? 'debug' : 'info';
    if (!this.logger.isLevelEnabled(level)) return;
    let sampled = '';
    if (
      this.verifySample !== 1 &&
      status < 300 &&
      request.routeOptions?.config?.sampledRequestLog === true &&
      !this.logger.isLevelEnabled('debug')
    ) {
      if (this.verifySample === 0 || ++this.verificationsUnwritten < this.verifySample) return;
      this.verificationsUnwritten = 0;
      sampled = this.sampledField;
    }
    const id = JSON.stringify(request.id);
    const userAgent = request.headers['user-agent'];
    this.destination.write(
      `{"level":${LEVEL_NUMBER[level]},"time":${Date.now()}${this.afterTime}${id}` +
        `,"method":${JSON.stringify(request.method)},"url":${JSON.stringify(redactUrl(request.url))}` +
        (userAgent === undefined ? '' : `,"user_agent":${JSON.stringify(userAgent)}`) +
        `,"remote_address":${JSON.stringify(clientAddressOf(request))}}` +
        `,"res":{"status_code":${status}},"request_id":${id}` +
        `,"response_time_ms":${Math.round(reply.elapsedTime * 10) / 10}${sampled}` +
        ',"msg":"request completed"}\n',
    );
  }
}
