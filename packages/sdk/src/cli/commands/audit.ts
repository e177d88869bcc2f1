import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Command, Option } from 'commander';
import { auditEventCount } from '../../audit-events';
import type { components } from '../../generated/schema';
import { CliContext } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { dataCommand, positiveInteger } from '../options';
import { Column, Format } from '../output';

type AuditEvent = components['schemas']['AuditEventDto'];
type Outcome = AuditEvent['outcome'];

const EVENT_COLUMNS: Column<AuditEvent>[] = [
  { header: 'TIME', value: (event) => event.occurred_at },
  { header: 'ACTION', value: (event) => event.action },
  { header: 'COUNT', value: auditEventCount },
  { header: 'OUTCOME', value: (event) => event.outcome },
  { header: 'ACTOR', value: (event) => `${event.actor.type}:${event.actor.id ?? '-'}` },
  { header: 'TARGET', value: (event) => `${event.target.type}:${event.target.id ?? '-'}` },
  { header: 'IP', value: (event) => event.actor.ip },
  { header: 'REQUEST ID', value: (event) => event.request_id },
];

interface TailOptions {
  limit: number;
  follow?: boolean;
  interval: number;
  action?: string;
  outcome?: Outcome;
  format: Format;
}

/** `tessera audit tail|export|verify`: the organization's hash-chained audit log. */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the audit log');

  dataCommand(
    audit,
    'tail',
    'the latest events, oldest first; --follow prints new ones as they come',
  )
    .option('--limit <n>', 'how many of the latest events (default 20)', positiveInteger, 20)
    .option('--follow', 'keep printing new events until interrupted')
    .option('--interval <seconds>', 'how often --follow asks (default 2)', positiveInteger, 2)
    .option('--action <action>', 'only this action (e.g. api_key.created)')
    .addOption(new Option('--outcome <outcome>').choices(['success', 'failure', 'denied']))
    .addHelpText(
      'after',
      '\nWith --format json: one event per line (NDJSON), as export writes them.',
    )
    .action(async (options: TailOptions, command: Command) => {
      const context = CliContext.of(command);
      const latest = async (limit: number) => {
        const query = { limit, action: options.action, outcome: options.outcome };
        const { data } = await context.api.GET('/v1/audit-logs', { params: { query } });
        return data!.data; // newest first
      };
      const print = (events: AuditEvent[], header: boolean) => {
        if (options.format === 'json') {
          for (const event of events) context.out.line(JSON.stringify(event));
        } else if (header || events.length) {
          context.out.table(events, EVENT_COLUMNS, header);
        }
      };
      const first = await context.call('Reading the audit log', () => latest(options.limit));
      print([...first].reverse(), true);
      if (!options.follow) return;
      const seen = new Set(first.map((event) => event.id));
      for (;;) {
        await new Promise((done) => setTimeout(done, options.interval * 1000));
        const page = await latest(100);
        const fresh = page.filter((event) => !seen.has(event.id)).reverse();
        for (const event of fresh) seen.add(event.id);
        print(fresh, false);
      }
    });

  audit
    .command('export')
    .description('every event of the organization as NDJSON, oldest first')
    .requiredOption('--output <file>', 'where to write it (`-` for standard output)')
    .action(async (options: { output: string }, command: Command) => {
      const context = CliContext.of(command);
      const { response } = await context.call('Exporting', () =>
        context.api.GET('/v1/audit-logs/export', { parseAs: 'stream' }),
      );
      if (!response.body) throw new CliError('the export came back empty', EXIT.unavailable);
      const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
      if (options.output === '-') {
        await pipeline(body, process.stdout, { end: false });
        return;
      }
      const path = resolve(options.output);
      if (existsSync(path) && !statSync(path).isFile()) {
        // A pipe, a device or /dev/fd/N (process substitution): written to as it is.
        await pipeline(body, createWriteStream(path));
        context.out.notice(`Wrote ${path}`);
        return;
      }
      // Through a new file of its own (0600, created exclusively), then renamed over the target:
      // a file already there would keep its wider mode, and a link there would be followed.
      const temporary = `${path}.${randomBytes(8).toString('hex')}.tmp`;
      try {
        await pipeline(body, createWriteStream(temporary, { mode: 0o600, flags: 'wx' }));
        renameSync(temporary, path);
      } catch (error) {
        rmSync(temporary, { force: true });
        throw error;
      }
      context.out.notice(`Wrote ${path}`);
    });

  dataCommand(audit, 'verify', 'check the hash chain (exit code 4 when it is broken)').action(
    async (options: { format: Format }, command: Command) => {
      const context = CliContext.of(command);
      const { data } = await context.call('Verifying the chain', () =>
        context.api.GET('/v1/audit-logs/verify'),
      );
      context.print(options.format, data!, (result) =>
        context.out.fields([
          ['valid', result.valid],
          ['events_checked', result.events_checked],
          ['first_broken_id', result.first_broken_id],
          ['reason', result.reason],
          ['anchor_seq', result.anchor?.seq],
        ]),
      );
      if (!data!.valid) {
        throw new CliError(
          `the audit log's chain is broken (${data!.reason ?? 'see above'})`,
          EXIT.refused,
        );
      }
    },
  );
}
