import { Command, Option } from 'commander';
import type { components } from '../../generated/schema';
import { CliContext } from '../context';
import { collect, dataCommand, positiveInteger } from '../options';
import { Column, Format } from '../output';
import { listAll } from '../paginate';

type OAuthClient = components['schemas']['OAuthClientDto'];
type GrantType = OAuthClient['grant_types'][number];

const CLIENT_COLUMNS: Column<OAuthClient>[] = [
  { header: 'CLIENT ID', value: (client) => client.client_id },
  { header: 'NAME', value: (client) => client.name },
  { header: 'TYPE', value: (client) => client.client_type },
  { header: 'GRANTS', value: (client) => client.grant_types },
  { header: 'SCOPES', value: (client) => client.scopes },
  { header: 'REDIRECT URIS', value: (client) => client.redirect_uris },
];

/** `tessera oauth clients ...`: the organization's OAuth applications. */
export function registerOAuthCommands(program: Command): void {
  const clients = program
    .command('oauth')
    .description('OAuth 2.0 applications')
    .command('clients')
    .description('OAuth clients (create, list, delete)');

  dataCommand(
    clients,
    'create',
    'register an OAuth client (a confidential one’s secret is shown once)',
  )
    .requiredOption('--name <name>', 'the application’s name, shown on the consent page')
    .addOption(
      new Option('--type <type>', 'confidential keeps a secret; public uses PKCE')
        .choices(['confidential', 'public'])
        .default('confidential'),
    )
    .option('--redirect-uri <uri>', 'where codes may be sent (repeatable)', collect)
    .option('--scope <scope>', 'a scope it may ask for (repeatable)', collect)
    .option(
      '--grant-type <grant>',
      'authorization_code, refresh_token, client_credentials (repeatable)',
      collect,
    )
    .action(
      async (
        options: {
          name: string;
          type: 'confidential' | 'public';
          redirectUri?: string[];
          scope?: string[];
          grantType?: string[];
          format: Format;
        },
        command: Command,
      ) => {
        const context = CliContext.of(command);
        const { data } = await context.call('Registering the client', () =>
          context.api.POST('/v1/oauth/clients', {
            body: {
              name: options.name,
              client_type: options.type,
              redirect_uris: options.redirectUri,
              scopes: options.scope ?? [],
              grant_types: options.grantType as GrantType[] | undefined,
            },
          }),
        );
        context.print(options.format, data!, (client) => {
          context.out.fields([
            ['client_id', client.client_id],
            ['name', client.name],
            ['client_type', client.client_type],
            ['grant_types', client.grant_types],
            ['scopes', client.scopes],
            ['client_secret', client.client_secret],
          ]);
          if (client.client_secret) {
            context.out.notice(
              context.out.style('yellow', 'Keep the client secret now: it is not shown again.'),
            );
          }
        });
      },
    );

  dataCommand(clients, 'list', 'list the organization’s OAuth clients')
    .option('--limit <n>', 'at most this many (default: all)', positiveInteger)
    .action(async (options: { limit?: number; format: Format }, command: Command) => {
      const context = CliContext.of(command);
      const rows = await context.call('Listing clients', () =>
        listAll(
          async (query) => (await context.api.GET('/v1/oauth/clients', { params: { query } })).data,
          options.limit,
          (client) => client.client_id,
        ),
      );
      context.print(options.format, rows, (all) => context.out.table(all, CLIENT_COLUMNS));
    });

  clients
    .command('delete')
    .description('delete an OAuth client; its tokens stop working')
    .argument('<client-id>', 'the client’s id (client_...)')
    .option('--yes', 'do not ask for confirmation')
    .action(async (clientId: string, options: { yes?: boolean }, command: Command) => {
      const context = CliContext.of(command);
      await context.confirm(`Delete OAuth client ${clientId}?`, options.yes);
      await context.call('Deleting', () =>
        context.api.DELETE('/v1/oauth/clients/{client_id}', {
          params: { path: { client_id: clientId } },
        }),
      );
      context.out.line(`Deleted ${clientId}`);
    });
}
