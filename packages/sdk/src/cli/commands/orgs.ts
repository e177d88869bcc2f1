import { Command } from 'commander';
import type { components } from '../../generated/schema';
import { CliContext } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { dataCommand, positiveInteger } from '../options';
import { Column, Format } from '../output';
import { listAll } from '../paginate';

type Organization = components['schemas']['OrganizationDto'];
type Member = components['schemas']['MemberDto'];

const ORGANIZATION_COLUMNS: Column<Organization>[] = [
  { header: 'ID', value: (organization) => organization.id },
  { header: 'NAME', value: (organization) => organization.name },
  { header: 'ROLE', value: (organization) => organization.role },
  { header: 'PLAN', value: (organization) => organization.plan },
  { header: 'PERSONAL', value: (organization) => organization.personal },
  { header: 'CREATED', value: (organization) => organization.created_at },
];

const MEMBER_COLUMNS: Column<Member>[] = [
  { header: 'USER ID', value: (member) => member.user_id },
  { header: 'EMAIL', value: (member) => member.email },
  { header: 'NAME', value: (member) => member.full_name },
  { header: 'ROLE', value: (member) => member.role },
  { header: 'JOINED', value: (member) => member.joined_at },
];

/** `tessera orgs list|members`. */
export function registerOrganizationCommands(program: Command): void {
  const orgs = program.command('orgs').description('organizations and their members');

  dataCommand(orgs, 'list', 'the organizations this credential may act in')
    .option('--limit <n>', 'at most this many (default: all)', positiveInteger)
    .action(async (options: { limit?: number; format: Format }, command: Command) => {
      const context = CliContext.of(command);
      const rows = await context.call('Listing organizations', () =>
        listAll(
          async (query) => (await context.api.GET('/v1/organizations', { params: { query } })).data,
          options.limit,
        ),
      );
      context.print(options.format, rows, (all) => context.out.table(all, ORGANIZATION_COLUMNS));
    });

  dataCommand(orgs, 'members', 'the members of an organization')
    .argument('[id]', 'the organization (default: the one this credential acts in)')
    .action(async (given: string | undefined, options: { format: Format }, command: Command) => {
      const context = CliContext.of(command);
      const tessera = context.tessera();
      const id =
        given ?? (await context.call('Asking Tessera', () => tessera.verify())).organization_id;
      if (!id) throw new CliError('which organization? pass its id', EXIT.usage);
      // A member's cursor is their user_id.
      const members = await context.call('Listing members', () =>
        listAll(
          async (query) =>
            (
              await tessera.api.GET('/v1/organizations/{id}/members', {
                params: { path: { id }, query },
              })
            ).data,
          Infinity,
          (member) => member.user_id,
        ),
      );
      context.print(options.format, members, (all) => context.out.table(all, MEMBER_COLUMNS));
    });
}
