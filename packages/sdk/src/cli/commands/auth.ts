import { Command, Option } from 'commander';
import { parseApiKey } from '../../api-key-format';
import type { components } from '../../generated/schema';
import { CliContext } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { collect, dataCommand, positiveInteger, wholeNumber } from '../options';
import { Column, Format } from '../output';
import { listAll } from '../paginate';
import { readStdin } from '../stdin';
import { registerScanCommand } from './auth-scan';

type ApiKey = components['schemas']['ApiKeyDto'];
type CreatedApiKey = components['schemas']['CreatedApiKeyDto'];

const KEY_COLUMNS: Column<ApiKey>[] = [
  { header: 'ID', value: (key) => key.id },
  { header: 'NAME', value: (key) => key.name },
  { header: 'START', value: (key) => key.start },
  { header: 'ENV', value: (key) => key.environment },
  { header: 'STATUS', value: (key) => key.status },
  { header: 'SCOPES', value: (key) => key.scopes },
  { header: 'CREATED', value: (key) => key.created },
  { header: 'EXPIRES', value: (key) => key.expires },
  { header: 'LAST USED', value: (key) => key.last_used },
];

interface CreateKeyOptions {
  name: string;
  scope?: string[];
  access?: 'read-only' | 'write' | 'admin';
  environment?: 'live' | 'test' | 'dev';
  rateLimit?: number;
  allowedIp?: string[];
  expiresInDays?: number;
  format: Format;
}

/** `tessera auth ...`: API keys (create, list, revoke, rotate, validate, usage, scan). */
export function registerAuthCommands(program: Command): void {
  const auth = program.command('auth').description('API keys');

  dataCommand(auth, 'create-key', 'create an API key (its secret is shown this once)')
    .requiredOption('--name <name>', 'what the key is for')
    .option('--scope <scope>', 'a scope it grants (repeatable)', collect)
    .addOption(
      new Option('--access <level>', 'an access level instead of scopes').choices([
        'read-only',
        'write',
        'admin',
      ]),
    )
    .addOption(new Option('--environment <env>', 'default live').choices(['live', 'test', 'dev']))
    .option('--rate-limit <n>', 'requests per hour (10..100000, default 1000)', positiveInteger)
    .option('--allowed-ip <ip>', 'an address or CIDR it may be used from (repeatable)', collect)
    .option('--expires-in-days <n>', 'it expires after this many days', positiveInteger)
    .action(async (options: CreateKeyOptions, command: Command) => {
      const context = CliContext.of(command);
      const { data } = await context.call('Creating the key', () =>
        context.api.POST('/v1/api-keys', {
          body: {
            name: options.name,
            scopes: options.scope,
            access: options.access,
            environment: options.environment,
            rate_limit_per_hour: options.rateLimit,
            allowed_ips: options.allowedIp,
            expires_in_days: options.expiresInDays,
          },
        }),
      );
      printCreatedKey(context, options.format, data!);
    });

  dataCommand(auth, 'list-keys', 'list the organization’s API keys')
    .addOption(new Option('--environment <env>').choices(['live', 'test', 'dev']))
    .addOption(new Option('--status <status>').choices(['active', 'revoked', 'expired']))
    .option('--limit <n>', 'at most this many (default: all)', positiveInteger)
    .action(
      async (
        options: {
          environment?: 'live' | 'test' | 'dev';
          status?: 'active' | 'revoked' | 'expired';
          limit?: number;
          format: Format;
        },
        command: Command,
      ) => {
        const context = CliContext.of(command);
        const keys = await context.call('Listing keys', () =>
          listAll(async (page) => {
            const query = { ...page, environment: options.environment, status: options.status };
            return (await context.api.GET('/v1/api-keys', { params: { query } })).data;
          }, options.limit),
        );
        context.print(options.format, keys, (rows) => context.out.table(rows, KEY_COLUMNS));
      },
    );

  auth
    .command('revoke-key')
    .description('revoke an API key at once')
    .argument('<id>', 'the key’s id (key_...)')
    .option('--yes', 'do not ask for confirmation')
    .action(async (id: string, options: { yes?: boolean }, command: Command) => {
      const context = CliContext.of(command);
      await context.confirm(`Revoke ${id}? Requests with it will be refused at once.`, options.yes);
      await context.call('Revoking', () =>
        context.api.DELETE('/v1/api-keys/{id}', { params: { path: { id } } }),
      );
      context.out.line(`Revoked ${id}`);
    });

  dataCommand(auth, 'rotate-key', 'a new secret for a key; the old one works for a grace period')
    .argument('<id>', 'the key’s id (key_...)')
    .option(
      '--grace-period-hours <n>',
      'how long the old secret keeps working (default 24)',
      wholeNumber,
    )
    .action(
      async (
        id: string,
        options: { gracePeriodHours?: number; format: Format },
        command: Command,
      ) => {
        const context = CliContext.of(command);
        const { data } = await context.call('Rotating', () =>
          context.api.POST('/v1/api-keys/{id}/rotate', {
            params: { path: { id } },
            body: { grace_period_hours: options.gracePeriodHours },
          }),
        );
        printCreatedKey(context, options.format, data!);
      },
    );

  dataCommand(auth, 'validate', 'check a key: its checksum offline, then with Tessera')
    .argument('[key]', 'the key (default: standard input when piped, else the profile’s key)')
    .addHelpText(
      'after',
      '\nA key whose shape or checksum is wrong (a typo, a truncated copy) is refused without a' +
        '\nrequest. Exit code 0: Tessera accepts it; 2: it does not, or the checksum is wrong.',
    )
    .action(async (given: string | undefined, options: { format: Format }, command: Command) => {
      const context = CliContext.of(command);
      const key = given ?? (await keyFromStdinOrProfile(context));
      const wellFormed = parseApiKey(key);
      if (!wellFormed) {
        throw new CliError('not a Tessera API key: its shape or checksum is wrong', EXIT.auth);
      }
      const tessera = context.tessera({ apiKey: key, useProfile: false, env: {} });
      const answer = await context.call('Asking Tessera', () => tessera.verify());
      context.print(options.format, answer, (me) =>
        context.out.fields([
          ['valid', true],
          ['subject', me.subject],
          ['organization_id', me.organization_id],
          ['environment', me.environment],
          ['scopes', me.scopes],
          ['expires_at', me.expires_at],
        ]),
      );
    });

  registerScanCommand(auth);

  dataCommand(auth, 'usage', 'requests made with a key, per hour or day')
    .argument('<id>', 'the key’s id (key_...)')
    .addOption(new Option('--granularity <unit>', 'default hour').choices(['hour', 'day']))
    .option('--since <time>', 'ISO-8601 (default 24 hours or 30 days ago)')
    .option('--until <time>', 'ISO-8601 (default now)')
    .action(
      async (
        id: string,
        options: { granularity?: 'hour' | 'day'; since?: string; until?: string; format: Format },
        command: Command,
      ) => {
        const context = CliContext.of(command);
        const { granularity, since, until } = options;
        const { data } = await context.call('Reading usage', () =>
          context.api.GET('/v1/api-keys/{id}/usage', {
            params: { path: { id }, query: { granularity, since, until } },
          }),
        );
        context.print(options.format, data!, (usage) => {
          context.out.table(usage.data, [
            { header: 'PERIOD', value: (period) => period.period_start },
            { header: 'REQUESTS', value: (period) => period.requests },
            { header: 'REJECTED', value: (period) => period.rejected },
            { header: 'FAILED', value: (period) => period.failed },
          ]);
          context.out.notice(
            `last used ${usage.last_used ?? 'never'} from ${usage.last_ip ?? '-'}`,
          );
        });
      },
    );
}

/** A new secret: printed once, with the warning that it will not be shown again. */
function printCreatedKey(context: CliContext, format: Format, key: CreatedApiKey): void {
  context.print(format, key, (created) => {
    context.out.fields([
      ['id', created.id],
      ['name', created.name],
      ['environment', created.environment],
      ['scopes', created.scopes],
      ['expires', created.expires],
      ['key', created.key],
    ]);
    context.out.notice(context.out.style('yellow', 'Keep the key now: it is not shown again.'));
  });
}

async function keyFromStdinOrProfile(context: CliContext): Promise<string> {
  if (!context.prompter.terminal) {
    const piped = (await readStdin()).trim();
    if (piped) return piped;
  }
  const key = context.env.TESSERA_API_KEY ?? context.profile?.api_key;
  if (!key) throw new CliError('which key? pass it, pipe it in, or sign in with one', EXIT.usage);
  return key;
}
