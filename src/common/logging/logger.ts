import type { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger } from 'pino';
import { StdoutDestination } from './stdout-destination';

/**
 * The one pino logger of an app: JSON lines to stdout (asynchronously buffered, flushed at exit:
 * StdoutDestination) or to the stream a test passes. Credentials never reach it: these paths are
 * censored. Request lines do not pass through it: RequestLog builds them field by field (no
 * headers, URL with secret parameters masked) and writes them to the same destination.
 */
export function createLogger(level: string, stream?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      serializers: { err: serializeError },
      redact: {
        paths: [
          '*.authorization',
          '*["x-api-key"]',
          '*.password',
          '*.refresh_token',
          '*.access_token',
          '*.key',
        ],
        censor: '[REDACTED]',
      },
    },
    stream ?? new StdoutDestination(),
  );
}

/**
 * pino's error serializer copies every enumerable property. A TypeORM QueryFailedError carries
 * the statement and its bound values (password hashes, key hashes, emails), and mysql2 adds the
 * SQL with the values inlined: those never reach a log line. Code and message stay.
 */
const QUERY_FIELDS = ['query', 'parameters', 'sql', 'sqlMessage'] as const;

function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  for (const field of QUERY_FIELDS) delete serialized[field];
  const driverError = serialized.driverError as Record<string, unknown> | undefined;
  if (driverError && typeof driverError === 'object') {
    serialized.driverError = { code: driverError.code, errno: driverError.errno };
  }
  return serialized;
}

type Level = 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal';

/** Nest's LoggerService over pino: `logger.log('msg')` and `logger.error({ err }, 'msg')` both work. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    // Nest passes the logger's context (class name) as the last string parameter.
    const rest = [...params];
    const context =
      rest.length > 0 && typeof rest[rest.length - 1] === 'string'
        ? (rest.pop() as string)
        : undefined;
    const text = rest.find((p): p is string => typeof p === 'string');
    if (message !== null && typeof message === 'object' && !(message instanceof Error)) {
      this.logger[level]({ context, ...(message as object) }, text);
    } else if (message instanceof Error) {
      this.logger[level]({ context, err: message }, text ?? message.message);
    } else {
      this.logger[level]({ context }, String(message));
    }
  }
}
