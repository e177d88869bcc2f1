import { Command } from 'commander';
import { Tessera, TesseraOptions } from '../client';
import {
  ConfigLocation,
  configPathOf,
  Profile,
  profileNameOf,
  readProfile,
} from '../config/config-file';
import { CliError, EXIT } from './exit-codes';
import { Format, Output } from './output';
import { Prompter } from './prompt';
import { withSpinner } from './spinner';

/** Options every command accepts (program-level, given before or after the command). */
export interface GlobalOptions {
  profile?: string;
  url?: string;
  organization?: string;
}

/** The variables that carry a credential or an address; an explicit --profile ignores them. */
const CREDENTIAL_VARIABLES = [
  'TESSERA_API_KEY',
  'TESSERA_ADMIN_TOKEN',
  'TESSERA_SERVICE_ACCOUNT_KEY',
  'TESSERA_URL',
];

/**
 * What a command works with: the profile and config file it reads, the client it calls Tessera
 * with, where it prints and how it asks. One per run.
 */
export class CliContext {
  readonly out: Output;
  readonly prompter: Prompter;
  private client?: Tessera;

  constructor(
    readonly env: Record<string, string | undefined>,
    private readonly globals: GlobalOptions,
  ) {
    this.out = new Output({ stdout: process.stdout, stderr: process.stderr, env });
    this.prompter = new Prompter(process.stdin, process.stderr);
  }

  static of(command: Command): CliContext {
    const root = rootOf(command);
    const existing = (root as { cliContext?: CliContext }).cliContext;
    if (existing) return existing;
    const context = new CliContext(process.env, root.opts<GlobalOptions>());
    (root as { cliContext?: CliContext }).cliContext = context;
    return context;
  }

  /**
   * The config file and profile: --profile, else TESSERA_PROFILE, else `default`; the file is
   * TESSERA_CONFIG, else $TESSERA_CONFIG_DIR/config, else ~/.tessera/config.
   */
  get location(): ConfigLocation {
    return { profile: this.globals.profile, env: this.clientEnv };
  }

  get profileName(): string {
    return profileNameOf(this.location);
  }

  get configPath(): string {
    return configPathOf(this.location);
  }

  get profile(): Profile | undefined {
    return readProfile(this.location);
  }

  /** Where Tessera is: --url, else TESSERA_URL, else the profile's `url`. */
  get baseUrl(): string | undefined {
    return this.globals.url ?? this.clientEnv.TESSERA_URL ?? this.profile?.url;
  }

  /** The SDK client with the credential of the environment or the profile (SDK README). */
  get api(): Tessera['api'] {
    return this.tessera().api;
  }

  tessera(options: TesseraOptions = {}): Tessera {
    if (this.client && Object.keys(options).length === 0) return this.client;
    const baseUrl = options.baseUrl ?? this.baseUrl;
    if (!baseUrl) {
      throw new CliError(
        `not signed in (no profile ${this.profileName} in ${this.configPath}): run \`tessera login --url <address>\``,
        EXIT.auth,
      );
    }
    const client = new Tessera({
      ...this.location,
      organizationId: this.globals.organization,
      ...options,
      baseUrl,
    });
    if (Object.keys(options).length === 0) {
      if (!client.credential) {
        throw new CliError(`not signed in to ${baseUrl}: run \`tessera login\``, EXIT.auth);
      }
      this.client = client;
    }
    return client;
  }

  /** Runs a call to Tessera, with a spinner on a terminal when it is slow. */
  call<T>(label: string, work: () => Promise<T>): Promise<T> {
    return withSpinner(label, work, process.stderr);
  }

  /** Prints the API's object(s) as JSON, or hands them to `table` to draw. */
  print<T>(format: Format, value: T, table: (value: T) => void): void {
    if (format === 'json') this.out.json(value);
    else table(value);
  }

  /**
   * A destructive command's confirmation: --yes, else a question on a terminal; a script that
   * pipes stdin must say --yes (a usage error otherwise, nothing done).
   */
  async confirm(question: string, yes: boolean | undefined): Promise<void> {
    if (yes) return;
    if (!this.prompter.terminal) {
      throw new CliError(`${question.replace(/\?$/, '')}: pass --yes to confirm`, EXIT.usage);
    }
    if (!(await this.prompter.confirm(question))) {
      throw new CliError('nothing done', EXIT.usage);
    }
  }

  /** The environment the SDK sees: an explicit --profile wins over credential variables. */
  private get clientEnv(): Record<string, string | undefined> {
    if (this.globals.profile === undefined) return this.env;
    const env = { ...this.env };
    for (const name of CREDENTIAL_VARIABLES) delete env[name];
    return env;
  }
}

function rootOf(command: Command): Command {
  let root = command;
  while (root.parent) root = root.parent;
  return root;
}
