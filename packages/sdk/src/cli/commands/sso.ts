import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { components } from '../../generated/schema';
import { CliContext } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { collect, dataCommand, positiveInteger } from '../options';
import { Column, Format } from '../output';
import { listAll } from '../paginate';

type SsoConnection = components['schemas']['SsoConnectionDto'];
type Provider = SsoConnection['provider'];

const PROVIDERS: Provider[] = [
  'okta',
  'azure_ad',
  'google_workspace',
  'onelogin',
  'ping_identity',
  'custom_saml',
];

const CONNECTION_COLUMNS: Column<SsoConnection>[] = [
  { header: 'ID', value: (connection) => connection.id },
  { header: 'NAME', value: (connection) => connection.name },
  { header: 'PROVIDER', value: (connection) => connection.provider },
  { header: 'DOMAINS', value: (connection) => connection.domains },
  { header: 'IDP ENTITY ID', value: (connection) => connection.idp_entity_id },
  { header: 'LOGIN URL', value: (connection) => connection.login_url },
];

/** `tessera sso connections ...`: SAML connections, from the IdP's metadata (a file or a URL). */
export function registerSsoCommands(program: Command): void {
  const connections = program
    .command('sso')
    .description('SAML single sign-on')
    .command('connections')
    .description('SAML connections (create, list, delete)');

  dataCommand(connections, 'create', 'connect an identity provider from its SAML metadata')
    .requiredOption('--name <name>', 'shown to people who sign in')
    .requiredOption(
      '--metadata <file-or-url>',
      'the IdP’s metadata XML: a file, or an https URL Tessera fetches (and refreshes)',
    )
    .requiredOption('--domain <domain>', 'an email domain it signs in (repeatable)', collect)
    .addOption(
      new Option('--provider <provider>', 'the IdP’s kind')
        .choices(PROVIDERS)
        .default('custom_saml'),
    )
    .addOption(
      new Option('--default-role <role>', 'the role of people it provisions').choices([
        'admin',
        'member',
        'viewer',
      ]),
    )
    .action(
      async (
        options: {
          name: string;
          metadata: string;
          domain: string[];
          provider: Provider;
          defaultRole?: 'admin' | 'member' | 'viewer';
          format: Format;
        },
        command: Command,
      ) => {
        const context = CliContext.of(command);
        const { data } = await context.call('Creating the connection', () =>
          context.api.POST('/v1/sso/connections', {
            body: {
              name: options.name,
              provider: options.provider,
              domains: options.domain,
              default_role: options.defaultRole,
              ...metadataOf(options.metadata),
            },
          }),
        );
        context.print(options.format, data!, (connection) =>
          context.out.fields([
            ['id', connection.id],
            ['name', connection.name],
            ['idp_entity_id', connection.idp_entity_id],
            ['sp_entity_id', connection.sp_entity_id],
            ['acs_url', connection.acs_url],
            ['sp_metadata_url', connection.sp_metadata_url],
            ['login_url', connection.login_url],
          ]),
        );
      },
    );

  dataCommand(connections, 'list', 'list the organization’s SAML connections')
    .option('--limit <n>', 'at most this many (default: all)', positiveInteger)
    .action(async (options: { limit?: number; format: Format }, command: Command) => {
      const context = CliContext.of(command);
      const rows = await context.call('Listing connections', () =>
        listAll(
          async (query) =>
            (await context.api.GET('/v1/sso/connections', { params: { query } })).data,
          options.limit,
        ),
      );
      context.print(options.format, rows, (all) => context.out.table(all, CONNECTION_COLUMNS));
    });

  connections
    .command('delete')
    .description('delete a SAML connection; its people can no longer sign in through it')
    .argument('<id>', 'the connection’s id (sso_...)')
    .option('--yes', 'do not ask for confirmation')
    .action(async (id: string, options: { yes?: boolean }, command: Command) => {
      const context = CliContext.of(command);
      await context.confirm(`Delete SSO connection ${id}?`, options.yes);
      await context.call('Deleting', () =>
        context.api.DELETE('/v1/sso/connections/{id}', { params: { path: { id } } }),
      );
      context.out.line(`Deleted ${id}`);
    });
}

/** A URL is handed to Tessera to fetch (it refreshes it later); a file is read and sent. */
function metadataOf(source: string): { idp_metadata_url: string } | { idp_metadata_xml: string } {
  if (/^https?:\/\//i.test(source)) return { idp_metadata_url: source };
  try {
    return { idp_metadata_xml: readFileSync(source, 'utf8') };
  } catch (error) {
    throw new CliError(
      `cannot read ${source}: ${(error as NodeJS.ErrnoException).code}`,
      EXIT.usage,
    );
  }
}
