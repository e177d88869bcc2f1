import { Command } from 'commander';
import { registerAuditCommands } from './commands/audit';
import { registerAuthCommands } from './commands/auth';
import { registerOAuthCommands } from './commands/oauth';
import { registerOrganizationCommands } from './commands/orgs';
import { registerServiceAccountCommands } from './commands/service-accounts';
import { registerSessionCommands } from './commands/session';
import { registerSsoCommands } from './commands/sso';

const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  usage: a wrong command line or input (also HTTP 400, 422 and other 4xx)
  2  auth: not signed in, a refused credential (HTTP 401), an API key whose checksum is wrong
  3  not found (HTTP 404; another organization's record is not found either)
  4  refused: a missing scope or permission (HTTP 403), a conflict (HTTP 409), a failed check
  5  unavailable: Tessera unreachable, or HTTP 429 or 5xx after retries

Environment: TESSERA_URL, TESSERA_PROFILE, TESSERA_CONFIG (the file) or TESSERA_CONFIG_DIR
(its folder, default ~/.tessera), TESSERA_API_KEY, TESSERA_ADMIN_TOKEN,
TESSERA_SERVICE_ACCOUNT_KEY (see the SDK's README for the order), NO_COLOR.`;

/** The `tessera` command line: one file per command group under commands/. */
export function createProgram(version: string): Command {
  const program = new Command('tessera')
    .description(
      'Manage Tessera from a terminal: sign in, API keys, service accounts, OAuth, SSO, audit',
    )
    .version(version)
    .option(
      '--profile <name>',
      'the profile of ~/.tessera/config (default: TESSERA_PROFILE or default)',
    )
    .option('--url <address>', 'Tessera’s address (default: TESSERA_URL or the profile’s url)')
    .option('--organization <id>', 'act in this organization (X-Organization-ID)')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);
  registerSessionCommands(program);
  registerAuthCommands(program);
  registerServiceAccountCommands(program);
  registerOAuthCommands(program);
  registerSsoCommands(program);
  registerOrganizationCommands(program);
  registerAuditCommands(program);
  return program;
}
