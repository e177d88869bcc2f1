import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal';
import { requestIdFor } from './request-id';

/** A Fastify route handler: what it returns (or resolves to) is sent unless it sent already. */
export type LaneHandler = (request: FastifyRequest, reply: FastifyReply) => unknown;

/** What the lane needs of the app around it. */
export interface FastLaneSettings {
  /** The headers every API answer starts with (security-headers.ts), as the onRequest hook sets. */
  apiHeaders: Readonly<Record<string, string>>;
  /** `request.ip` as Fastify would compute it (trust-proxy.ts). */
  requestIp: (raw: IncomingMessage) => string | undefined;
  /** The request line, as the onResponse hook writes it. */
  logRequest: (request: FastifyRequest, reply: FastifyReply) => void;
  /** Answers what the handler threw, as Fastify's error handler (Nest's filter) does. */
  answerError: (error: unknown, request: FastifyRequest, reply: FastifyReply) => void;
  /** Logs what went wrong outside any request's answer (the filter or the line failing). */
  logFailure: (error: unknown, message: string) => void;
}

interface LaneRoute {
  handler: LaneHandler;
  /** The route's Fastify options (its config: the request log's sampling, rate-limit tracker). */
  routeOptions: { method: string; url: string; config: unknown };
}

/**
 * GET routes answered by a node:http `request` listener put ahead of Fastify's, for the route
 * tenants' APIs call on every request they serve (GET /v1/auth/verify). Fastify's request and
 * reply objects, routing and hook runner were ~5 of a verify's ~40 us of CPU, more than
 * Tessera's own guard and answer (docs/performance.md, "Session 21").
 *
 * The lane takes only the plainest form of a route: GET, the exact path with no query string,
 * no body, and the server not closing. Anything else (`?api_key=`, a trailing slash, HEAD, a
 * body, a request during shutdown) goes to Fastify as before, so Fastify's own rules (query
 * parsing, 404s, 503s while closing) never need repeating here. What a Fastify request to the
 * route would get, the lane does too, with the app's own functions: the request id
 * (requestIdFor), the API headers, `request.ip` under TRUST_PROXY (Fastify's proxy-addr), the
 * handler, the exception filter for what it throws, and the request line.
 * test/e2e/verify-route.e2e-spec.ts checks the answers are the bytes Nest's route answers.
 */
export class FastLane {
  private readonly routes = new Map<string, LaneRoute>();
  private closing = false;

  constructor(
    fastify: FastifyInstance,
    private readonly settings: FastLaneSettings,
  ) {
    // Fastify answers requests that arrive while it closes with a 503: they go to it.
    fastify.addHook('preClose', (done) => {
      this.closing = true;
      done();
    });
  }

  /** Answers GET `url` (that exact string) in the lane. */
  route(url: string, route: LaneRoute): void {
    this.routes.set(url, route);
  }

  /** Puts the lane ahead of Fastify's listener (after `fastify.ready()`, before `listen`). */
  install(server: Server): void {
    const listeners = server.listeners('request');
    if (listeners.length !== 1) {
      throw new Error(`expected Fastify's one request listener, found ${listeners.length}`);
    }
    const fastifyListener = listeners[0] as (req: IncomingMessage, res: ServerResponse) => void;
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const route = req.method === 'GET' ? this.routes.get(req.url!) : undefined;
      if (route === undefined || this.closing || hasBody(req)) {
        fastifyListener.call(server, req, res);
        return;
      }
      this.serve(route, req, res);
    });
  }

  private serve(route: LaneRoute, req: IncomingMessage, res: ServerResponse): void {
    const { apiHeaders, requestIp, logRequest } = this.settings;
    const id = requestIdFor(req);
    const request = new LaneRequest(req, id, route.routeOptions, requestIp);
    const reply = new LaneReply(res, apiHeaders, id);
    const fastifyRequest = request as unknown as FastifyRequest;
    // As Fastify's onResponse hook: once the answer is handed to the kernel (or failed), with
    // the time it took; no line for an answer a client that went away never got.
    const logged = () => {
      res.off('finish', logged);
      res.off('error', logged);
      reply.stopClock();
      try {
        logRequest(fastifyRequest, reply as unknown as FastifyReply);
      } catch (error) {
        this.settings.logFailure(error, 'Request line failed');
      }
    };
    res.once('finish', logged);
    res.once('error', logged);
    let returned: unknown;
    try {
      returned = route.handler(fastifyRequest, reply as unknown as FastifyReply);
    } catch (error) {
      return this.fail(error, fastifyRequest, reply);
    }
    if (returned instanceof Promise) {
      returned.then(
        (value: unknown) => this.finish(value, fastifyRequest, reply),
        (error: unknown) => this.fail(error, fastifyRequest, reply),
      );
    } else {
      this.finish(returned, fastifyRequest, reply);
    }
  }

  private finish(value: unknown, request: FastifyRequest, reply: LaneReply): void {
    if (reply.sent) return;
    try {
      reply.send(value);
    } catch (error) {
      this.fail(error, request, reply);
    }
  }

  /**
   * What the handler threw goes to the exception filter; should that fail too (a header it
   * cannot write, a bug), a bare 500, or the connection closed once headers went out, as
   * Fastify's last-resort handler does: one request fails, never the process.
   */
  private fail(error: unknown, request: FastifyRequest, reply: LaneReply): void {
    if (reply.sent) return;
    try {
      this.settings.answerError(error, request, reply as unknown as FastifyReply);
    } catch (failure) {
      this.settings.logFailure(failure, 'Fast lane error answer failed');
      reply.lastResort();
    }
  }
}

/**
 * A GET with a body goes to Fastify, which ignores it: a body on the route is unusual enough not
 * to be worth reading past in the lane (the connection's next request starts after it).
 */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * The FastifyRequest fields the access guard, the credential verifiers, the rate limiter, the
 * exception filter and the request log read. A route's request in the lane never has a query
 * string, path parameters or a body.
 */
class LaneRequest implements Pick<
  FastifyRequest,
  'id' | 'raw' | 'headers' | 'method' | 'url' | 'socket' | 'ip'
> {
  principal: Principal | undefined = undefined;
  readonly query: Record<string, string> = {};
  readonly params: Record<string, string> = {};
  readonly body = undefined;

  constructor(
    readonly raw: IncomingMessage,
    readonly id: string,
    readonly routeOptions: LaneRoute['routeOptions'],
    private readonly requestIp: (raw: IncomingMessage) => string | undefined,
  ) {}

  get headers() {
    return this.raw.headers;
  }

  get method() {
    return this.raw.method!;
  }

  get url() {
    return this.raw.url!;
  }

  get socket() {
    return this.raw.socket;
  }

  /** A socket already destroyed has no address: '' then, as no client address matches it. */
  get ip(): string {
    return this.requestIp(this.raw) ?? '';
  }
}

/**
 * The FastifyReply methods the route's handler, the rate limiter and the exception filter call,
 * answering as Fastify's reply does: lower-cased header names in the order they were set,
 * a string sent as it is (text/plain unless typed), anything else as JSON, and Content-Length.
 */
class LaneReply {
  statusCode = 200;
  sent = false;
  private readonly started = performance.now();
  private stoppedAt: number | undefined;
  private readonly fields: Record<string, string>;

  constructor(
    private readonly res: ServerResponse,
    private readonly apiHeaders: Readonly<Record<string, string>>,
    private readonly id: string,
  ) {
    this.fields = this.ownHeaders();
  }

  /** What every answer starts with, as the onRequest hook sets it: the API's headers, the id. */
  private ownHeaders(): Record<string, string> {
    return { ...this.apiHeaders, 'x-request-id': this.id };
  }

  /** Milliseconds from the request to its answer's end, as Fastify's `reply.elapsedTime`. */
  get elapsedTime(): number {
    return (this.stoppedAt ?? performance.now()) - this.started;
  }

  stopClock(): void {
    this.stoppedAt = performance.now();
  }

  header(name: string, value: string): this {
    this.fields[name.toLowerCase()] = value;
    return this;
  }

  headers(values: Readonly<Record<string, string>>): this {
    for (const name of Object.keys(values)) this.header(name, values[name]);
    return this;
  }

  type(contentType: string): this {
    this.fields['content-type'] = contentType;
    return this;
  }

  code(status: number): this {
    this.statusCode = status;
    return this;
  }

  status(status: number): this {
    return this.code(status);
  }

  send(payload: unknown): this {
    let body = '';
    if (typeof payload === 'string') {
      body = payload;
      this.fields['content-type'] ??= 'text/plain; charset=utf-8';
    } else if (payload !== undefined) {
      body = JSON.stringify(payload);
      this.fields['content-type'] ??= 'application/json; charset=utf-8';
    }
    this.fields['content-length'] = String(Buffer.byteLength(body));
    this.res.writeHead(this.statusCode, this.fields);
    this.sent = true;
    this.res.end(body);
    return this;
  }

  /**
   * The contract's 500 with only the API's own headers (what failed may have been one the answer
   * added), or the connection closed if headers went out already.
   */
  lastResort(): void {
    this.sent = true;
    if (this.res.headersSent) {
      this.res.destroy();
      return;
    }
    this.statusCode = 500;
    const body = JSON.stringify({ detail: 'Internal server error', request_id: this.id });
    this.res.writeHead(500, {
      ...this.ownHeaders(),
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
    });
    this.res.end(body);
  }
}
