import { execFile } from 'node:child_process';
import { join } from 'node:path';

const SCRIPT = join(__dirname, '..', 'oidc', 'relying-party.mjs');

export interface RelyingPartyOutcome<R> {
  ok: boolean;
  result?: R;
  error?: { name?: string; code?: string; message?: string; cause?: unknown };
}

/**
 * Runs a scenario of the openid-client relying party (test/oidc/relying-party.mjs) in its own
 * Node process against a listening Tessera, and returns what it printed.
 */
export function runRelyingParty<R>(
  scenario: string,
  input: Record<string, unknown>,
): Promise<RelyingPartyOutcome<R>> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [SCRIPT, scenario, JSON.stringify(input)],
      { timeout: 20_000 },
      (error, stdout, stderr) => {
        if (!stdout) {
          reject(new Error(`relying party printed nothing: ${error?.message ?? ''} ${stderr}`));
          return;
        }
        resolve(JSON.parse(stdout) as RelyingPartyOutcome<R>);
      },
    );
  });
}
