import { resolve } from 'node:path';
import { Command } from 'commander';
import { isWellFormedApiKey } from '../../api-key-format';
import type { VerifyAnswer } from '../../client';
import { readServiceAccountKeyFile } from '../../credentials/service-account';
import { TesseraError } from '../../errors';
import { Profile, removeProfile, writeProfile } from '../../config/config-file';
import { CliContext } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { dataCommand } from '../options';
import { Format } from '../output';

/** Every credential a profile may hold: a login replaces whichever was there. */
const NO_CREDENTIAL: Partial<Profile> = {
  api_key: undefined,
  admin_token: undefined,
  service_account_key_file: undefined,
  access_token: undefined,
  refresh_token: undefined,
};

interface LoginOptions {
  apiKey?: string;
  serviceAccountKey?: string;
  email?: string;
  format: Format;
}

/** `tessera login`, `logout`, `whoami`: the session kept in a profile of ~/.tessera/config. */
export function registerSessionCommands(program: Command): void {
  dataCommand(program, 'login', 'sign in and keep the session in a profile of ~/.tessera/config')
    .option('--api-key <key>', 'use an API key instead of email and password')
    .option('--service-account-key <file>', 'use a service account key file')
    .option('--email <email>', 'the email to sign in with (asked when not given)')
    .addHelpText(
      'after',
      '\nWithout --api-key or --service-account-key, asks for the email, the password and,' +
        '\nwhen the account has MFA, the TOTP code (one line each on standard input).' +
        '\nThe address is --url, TESSERA_URL or the profile’s url.',
    )
    .action(async (options: LoginOptions, command: Command) => {
      const context = CliContext.of(command);
      const url = context.baseUrl;
      if (!url) throw new CliError('where is Tessera? pass --url <address>', EXIT.usage);
      const { values, answer } = await signIn(context, url, options);
      writeProfile({ ...NO_CREDENTIAL, ...values, url }, context.location);
      context.print(options.format, answer, (me) =>
        context.out.line(
          `Signed in to ${url} as ${me.principal_type} ${me.subject} ` +
            `(organization ${me.organization_id}), profile ${context.profileName}`,
        ),
      );
    });

  program
    .command('logout')
    .description('end the session and remove the profile from ~/.tessera/config')
    .action(async (_options: unknown, command: Command) => {
      const context = CliContext.of(command);
      const profile = context.profile;
      if (!profile) {
        context.out.line(`Not signed in (no profile ${context.profileName})`);
        return;
      }
      if (profile.access_token && profile.refresh_token && profile.url) {
        // Ends the profile's own session on the server too (never with a credential or an
        // address of the environment); a session already over is no reason to fail.
        const own = context.tessera({
          baseUrl: profile.url,
          env: {},
          useProfile: false,
          session: { accessToken: profile.access_token, refreshToken: profile.refresh_token },
        });
        await context
          .call('Signing out', () => own.api.POST('/v1/auth/logout'))
          .catch((error: unknown) => {
            if (!(error instanceof TesseraError && error.status === 401)) throw error;
          });
      }
      removeProfile(context.location);
      context.out.line(`Signed out: profile ${context.profileName} removed`);
    });

  dataCommand(program, 'whoami', 'who Tessera takes this profile’s credential for').action(
    async (options: { format: Format }, command: Command) => {
      const context = CliContext.of(command);
      const tessera = context.tessera();
      const me = await context.call('Asking Tessera', () => tessera.verify());
      context.print(options.format, me, (answer) =>
        context.out.fields([
          ['url', tessera.baseUrl],
          ['credential', tessera.credentialSource],
          ['principal_type', answer.principal_type],
          ['subject', answer.subject],
          ['organization_id', answer.organization_id],
          ['scopes', answer.scopes],
          ['environment', answer.environment],
          ['expires_at', answer.expires_at],
        ]),
      );
    },
  );
}

/** Checks the credential with Tessera and says what the profile should keep. */
async function signIn(
  context: CliContext,
  url: string,
  options: LoginOptions,
): Promise<{ values: Partial<Profile>; answer: VerifyAnswer }> {
  const only = { baseUrl: url, useProfile: false, env: {} };
  if (options.apiKey) {
    if (!isWellFormedApiKey(options.apiKey)) {
      throw new CliError('not a Tessera API key (its checksum does not match)', EXIT.auth);
    }
    const tessera = context.tessera({ ...only, apiKey: options.apiKey });
    const answer = await context.call('Checking the key', () => tessera.verify());
    return { values: { api_key: options.apiKey }, answer };
  }
  if (options.serviceAccountKey) {
    const path = resolve(options.serviceAccountKey);
    const tessera = context.tessera({
      ...only,
      serviceAccountKey: readServiceAccountKeyFile(path),
    });
    const answer = await context.call('Getting a token', () => tessera.verify());
    return { values: { service_account_key_file: path }, answer };
  }
  const tokens = await passwordSignIn(context, url, options.email);
  const tessera = context.tessera({
    ...only,
    session: { accessToken: tokens.access_token, refreshToken: tokens.refresh_token },
  });
  const answer = await tessera.verify();
  return {
    values: { access_token: tokens.access_token, refresh_token: tokens.refresh_token },
    answer,
  };
}

/** Email and password, then the TOTP code when Tessera answers `mfa_required`. */
async function passwordSignIn(context: CliContext, url: string, email?: string) {
  const prompter = context.prompter;
  const who = email ?? (await prompter.ask('Email: '));
  const password = await prompter.ask('Password: ', { secret: true });
  const tessera = context.tessera({ baseUrl: url, useProfile: false, env: {} });
  try {
    return await context.call('Signing in', () => tessera.login({ email: who, password }));
  } catch (error) {
    if (!(error instanceof TesseraError) || error.code !== 'mfa_required') throw error;
  }
  const code = await prompter.ask('TOTP code: ', { secret: true });
  return context.call('Signing in', () => tessera.login({ email: who, password, mfa_code: code }));
}
