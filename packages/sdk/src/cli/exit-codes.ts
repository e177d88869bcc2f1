import { TesseraError } from '../errors';
import { printable } from './output';

/**
 * What `tessera` exits with, for scripts (README, "Exit codes"). An HTTP refusal maps by its
 * status: 400/422 and other 4xx 1, 401 2, 403/409 4, 404 3, 429/5xx 5.
 */
export const EXIT = {
  ok: 0,
  /** A wrong command line or input (unknown option, missing argument, a 400 or 422). */
  usage: 1,
  /** No credential, or one that is refused (401; a key whose checksum is wrong). */
  auth: 2,
  /** The thing named does not exist (404, in this organization). */
  notFound: 3,
  /** Understood and refused: a missing scope or permission (403), a conflict (409), a failed check. */
  refused: 4,
  /** Tessera could not be reached or answered 429 or 5xx after the SDK's retries: try later. */
  unavailable: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI explains itself: one line for stderr and the exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function exitCodeOfStatus(status: number): ExitCode {
  if (status === 401) return EXIT.auth;
  if (status === 403 || status === 409) return EXIT.refused;
  if (status === 404) return EXIT.notFound;
  if (status === 429 || status >= 500) return EXIT.unavailable;
  return EXIT.usage;
}

/** The one line printed for an error and the code to exit with. */
export function describeFailure(
  error: unknown,
  baseUrl?: string,
): { line: string; exitCode: ExitCode } {
  if (error instanceof CliError) return { line: error.message, exitCode: error.exitCode };
  if (error instanceof TesseraError) {
    const requestId = error.requestId ? ` (request id ${error.requestId})` : '';
    const hint = error.status === 401 ? '; sign in again with `tessera login`' : '';
    return {
      line: `${error.status} ${oneLine(error.detail)}${requestId}${hint}`,
      exitCode: exitCodeOfStatus(error.status),
    };
  }
  const unreachable = unreachableReason(error);
  if (unreachable) {
    const where = baseUrl ? ` at ${baseUrl}` : '';
    return { line: `cannot reach Tessera${where}: ${unreachable}`, exitCode: EXIT.unavailable };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { line: oneLine(message), exitCode: EXIT.usage };
}

/** fetch's TypeError('fetch failed') hides the reason (ECONNREFUSED, ENOTFOUND) in its cause. */
function unreachableReason(error: unknown): string | undefined {
  if (!(error instanceof TypeError) || error.message !== 'fetch failed') return undefined;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? 'fetch failed';
}

function oneLine(text: string): string {
  return printable(text.replace(/\s*\n\s*/g, ' ').trim());
}
