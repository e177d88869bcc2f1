import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import { EnvironmentVariables } from '../../config/env.schema';

export type RedisState = 'up' | 'down' | 'disabled';

/**
 * With REDIS_URL, one connection for commands and one for subscribing. Commands fail fast while
 * Redis is unreachable (no offline queue): callers fall back to local state as ioredis reconnects.
 * A Redis that stops answering without closing the connection (a paused process, a network that
 * drops packets) is unreachable too: every command has REDIS_COMMAND_TIMEOUT_MS to be answered,
 * and a watchdog PING that goes unanswered that long drops the connection, so callers fall back
 * at once instead of each waiting out the deadline; ioredis's ready check (INFO, under the same
 * deadline) keeps it down until Redis answers again.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnections.name);
  readonly commands: Redis | null;
  readonly subscriber: Redis | null;
  private lastState: RedisState;
  private readonly commandTimeoutMs: number;
  private readonly watchdogs: NodeJS.Timeout[] = [];
  /** When the Redis server behind `commands` started, read at each connection (null: unknown). */
  private serverStart: Promise<number | null> = Promise.resolve(null);

  constructor(config: ConfigService<EnvironmentVariables, true>) {
    const url = config.get('REDIS_URL', { infer: true });
    this.commandTimeoutMs = config.get('REDIS_COMMAND_TIMEOUT_MS', { infer: true });
    this.commands = url ? this.connect(url, 'commands') : null;
    this.subscriber = url ? this.connect(url, 'subscriber') : null;
    this.lastState = url ? 'down' : 'disabled';
  }

  state(): RedisState {
    if (!this.commands) return 'disabled';
    return this.commands.status === 'ready' ? 'up' : 'down';
  }

  isReady(): boolean {
    return this.commands?.status === 'ready';
  }

  /**
   * When the Redis server last started (epoch ms), as its INFO said when this instance last
   * connected: what Redis remembers (without persistence) goes back no further. Null when unknown.
   */
  serverStartedAt(): Promise<number | null> {
    return this.serverStart;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const watchdog of this.watchdogs) clearInterval(watchdog);
    for (const connection of [this.commands, this.subscriber]) connection?.disconnect();
  }

  private connect(url: string, role: string): Redis {
    // Required here rather than imported: an instance without REDIS_URL never loads ioredis
    // (~1.4 MB of heap, issue #19).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded at first use
    const { default: Redis } = require('ioredis') as typeof import('ioredis');
    const connection = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      // Keep trying, at most every 2 s, for as long as the instance runs.
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
      lazyConnect: false,
      // Commands issued in the same tick (the limits of one request, and those of concurrent
      // requests) travel in one round trip.
      enableAutoPipelining: true,
      commandTimeout: this.commandTimeoutMs,
      // A command whose caller already had its error (timed out, connection dropped) must not
      // run later on a new connection: a credit spent twice, a rate count a second time.
      autoResendUnfulfilledCommands: false,
      // Lets the kernel notice a peer that vanished while the connection sat idle.
      keepAlive: 10_000,
    });
    connection.on('ready', () => {
      if (role === 'commands') this.serverStart = serverStartOf(connection);
      this.transition('up', role);
    });
    connection.on('error', () => this.transition('down', role));
    connection.on('end', () => this.transition('down', role));
    this.watch(connection, role);
    return connection;
  }

  /**
   * Drops the connection when two PINGs in a row go unanswered for REDIS_COMMAND_TIMEOUT_MS: one
   * alone may be this process's own stall (a long synchronous turn delays reading the answer).
   */
  private watch(connection: Redis, role: string): void {
    let pinging = false;
    let missed = 0;
    const watchdog = setInterval(() => {
      if (pinging || connection.status !== 'ready') return;
      pinging = true;
      connection
        .ping()
        .then(
          () => {
            missed = 0;
          },
          (error: unknown) => {
            if (connection.status !== 'ready' || !isTimeout(error)) return;
            if (++missed < 2) return;
            missed = 0;
            this.transition('down', role);
            connection.disconnect(true);
          },
        )
        .finally(() => {
          pinging = false;
        });
    }, this.commandTimeoutMs);
    watchdog.unref();
    this.watchdogs.push(watchdog);
  }

  /** Logs state changes once, not every failed reconnect attempt. */
  private transition(state: RedisState, role: string): void {
    if (role !== 'commands' || state === this.lastState) return;
    this.lastState = state;
    if (state === 'up') this.logger.log('Redis is up: shared rate limits and invalidations');
    else
      this.logger.warn('Redis is unreachable: falling back to local rate limits and invalidation');
  }
}

/** ioredis rejects a command that outlived `commandTimeout` with this message. */
function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Command timed out';
}

/** The server's start time from INFO's `uptime_in_seconds`; null when it cannot be read. */
async function serverStartOf(connection: Redis): Promise<number | null> {
  try {
    const uptime = /^uptime_in_seconds:(\d+)/m.exec(await connection.info('server'))?.[1];
    return uptime === undefined ? null : Date.now() - Number(uptime) * 1000;
  } catch {
    return null;
  }
}
