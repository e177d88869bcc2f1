import { Command, Option } from 'commander';
import type { components } from '../../generated/schema';
import { CliContext } from '../context';
import { collect, dataCommand, positiveInteger } from '../options';
import { Column, Format } from '../output';
import { listAll } from '../paginate';
import { SecretFile } from '../secret-file';

type ServiceAccount = components['schemas']['ServiceAccountDto'];
type ServiceAccountKey = components['schemas']['ServiceAccountKeyDto'];

const ACCOUNT_COLUMNS: Column<ServiceAccount>[] = [
  { header: 'ID', value: (account) => account.id },
  { header: 'NAME', value: (account) => account.name },
  { header: 'CLIENT ID', value: (account) => account.client_id },
  { header: 'SCOPES', value: (account) => account.scopes },
  { header: 'DISABLED', value: (account) => account.disabled },
  { header: 'CREATED', value: (account) => account.created },
];

const KEY_COLUMNS: Column<ServiceAccountKey>[] = [
  { header: 'KEY ID', value: (key) => key.private_key_id },
  { header: 'ALGORITHM', value: (key) => key.algorithm },
  { header: 'STATUS', value: (key) => key.status },
  { header: 'CREATED', value: (key) => key.created },
  { header: 'EXPIRES', value: (key) => key.expires },
  { header: 'LAST USED', value: (key) => key.last_used },
];

/**
 * `tessera service-accounts ...`. A key file is written to --output (mode 0600, never over an
 * existing file) and never printed: the JSON output is the account with `key_file` replaced by
 * `key_file_path`.
 */
export function registerServiceAccountCommands(program: Command): void {
  const accounts = program
    .command('service-accounts')
    .description('service accounts and their key files');

  dataCommand(accounts, 'create', 'create a service account and write its key file')
    .requiredOption('--name <name>', 'what the account is for')
    .requiredOption('--output <file>', 'where to write the key file (mode 0600)')
    .requiredOption('--scope <scope>', 'a scope it may ask for (repeatable)', collect)
    .option('--description <text>', 'a longer description')
    .option('--expires-in-days <n>', 'the key file expires after this many days', positiveInteger)
    .action(
      async (
        options: {
          name: string;
          output: string;
          scope: string[];
          description?: string;
          expiresInDays?: number;
          format: Format;
        },
        command: Command,
      ) => {
        const context = CliContext.of(command);
        const { created, path } = await SecretFile.writeOnce(
          options.output,
          async () => {
            const { data } = await context.call('Creating the service account', () =>
              context.api.POST('/v1/service-accounts', {
                body: {
                  name: options.name,
                  description: options.description,
                  scopes: options.scope,
                  expires_in_days: options.expiresInDays,
                },
              }),
            );
            return data!;
          },
          (account) => account.key_file,
        );
        const { key_file: _secret, ...account } = created;
        context.print(options.format, { ...account, key_file_path: path }, (shown) => {
          context.out.fields([
            ['id', shown.id],
            ['name', shown.name],
            ['client_id', shown.client_id],
            ['scopes', shown.scopes],
            ['key_file', shown.key_file_path],
          ]);
          context.out.notice('The key file holds a private key: keep it like a password.');
        });
      },
    );

  dataCommand(accounts, 'list', 'list the organization’s service accounts')
    .option('--limit <n>', 'at most this many (default: all)', positiveInteger)
    .action(async (options: { limit?: number; format: Format }, command: Command) => {
      const context = CliContext.of(command);
      const rows = await context.call('Listing service accounts', () =>
        listAll(
          async (query) =>
            (await context.api.GET('/v1/service-accounts', { params: { query } })).data,
          options.limit,
        ),
      );
      context.print(options.format, rows, (all) => context.out.table(all, ACCOUNT_COLUMNS));
    });

  accounts
    .command('delete')
    .description('delete a service account; its tokens and key files stop working')
    .argument('<id>', 'the account’s id (sa_...)')
    .option('--yes', 'do not ask for confirmation')
    .action(async (id: string, options: { yes?: boolean }, command: Command) => {
      const context = CliContext.of(command);
      await context.confirm(`Delete service account ${id}?`, options.yes);
      await context.call('Deleting', () =>
        context.api.DELETE('/v1/service-accounts/{id}', { params: { path: { id } } }),
      );
      context.out.line(`Deleted ${id}`);
    });

  dataCommand(accounts, 'keys', 'list a service account’s key files (never their private keys)')
    .argument('<id>', 'the account’s id (sa_...)')
    .action(async (id: string, options: { format: Format }, command: Command) => {
      const context = CliContext.of(command);
      const rows = await context.call('Listing keys', () =>
        listAll(
          async (query) =>
            (
              await context.api.GET('/v1/service-accounts/{id}/keys', {
                params: { path: { id }, query },
              })
            ).data,
          Infinity,
          (key) => key.private_key_id,
        ),
      );
      context.print(options.format, rows, (all) => context.out.table(all, KEY_COLUMNS));
    });

  dataCommand(accounts, 'create-key', 'another key file for a service account')
    .argument('<id>', 'the account’s id (sa_...)')
    .requiredOption('--output <file>', 'where to write the key file (mode 0600)')
    .addOption(new Option('--algorithm <alg>', 'default RS256').choices(['RS256', 'ES256']))
    .option('--expires-in-days <n>', 'it expires after this many days', positiveInteger)
    .action(
      async (
        id: string,
        options: {
          output: string;
          algorithm?: 'RS256' | 'ES256';
          expiresInDays?: number;
          format: Format;
        },
        command: Command,
      ) => {
        const context = CliContext.of(command);
        const { created, path } = await SecretFile.writeOnce(
          options.output,
          async () => {
            const { data } = await context.call('Creating a key', () =>
              context.api.POST('/v1/service-accounts/{id}/keys', {
                params: { path: { id } },
                body: { algorithm: options.algorithm, expires_in_days: options.expiresInDays },
              }),
            );
            return data!;
          },
          (key) => key.key_file,
        );
        const { key_file: _secret, ...key } = created;
        context.print(options.format, { ...key, key_file_path: path }, (shown) =>
          context.out.fields([
            ['private_key_id', shown.private_key_id],
            ['expires', shown.expires],
            ['key_file', shown.key_file_path],
          ]),
        );
      },
    );

  accounts
    .command('revoke-key')
    .description('revoke one key file of a service account')
    .argument('<id>', 'the account’s id (sa_...)')
    .argument('<key-id>', 'the key’s private_key_id (sak_...)')
    .option('--yes', 'do not ask for confirmation')
    .action(async (id: string, keyId: string, options: { yes?: boolean }, command: Command) => {
      const context = CliContext.of(command);
      await context.confirm(`Revoke key ${keyId} of ${id}?`, options.yes);
      await context.call('Revoking', () =>
        context.api.DELETE('/v1/service-accounts/{id}/keys/{key_id}', {
          params: { path: { id, key_id: keyId } },
        }),
      );
      context.out.line(`Revoked ${keyId}`);
    });
}
