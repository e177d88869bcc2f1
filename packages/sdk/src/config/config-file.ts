import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { IniSections, parseIni, stringifyIni } from './ini';

/**
 * What a profile of ~/.tessera/config may hold. One credential per profile, looked for in this
 * order: api_key, admin_token, service_account_key_file, then access_token + refresh_token (a
 * session `tessera login` stored, rewritten here on every refresh).
 */
export interface Profile {
  url?: string;
  api_key?: string;
  admin_token?: string;
  service_account_key_file?: string;
  access_token?: string;
  refresh_token?: string;
  /** The organization requests act in (X-Organization-ID), for users in several. */
  organization_id?: string;
  [key: string]: string | undefined;
}

export interface ConfigLocation {
  /** Default: TESSERA_CONFIG, else $TESSERA_CONFIG_DIR/config, else ~/.tessera/config. */
  configPath?: string;
  /** Default: TESSERA_PROFILE, else `default`. */
  profile?: string;
  env?: Record<string, string | undefined>;
}

export const DEFAULT_PROFILE = 'default';
/** Only the owner reads or writes it: it holds secrets. */
export const CONFIG_FILE_MODE = 0o600;
const CONFIG_DIR_MODE = 0o700;

/** `configPath`, else TESSERA_CONFIG, else `config` in TESSERA_CONFIG_DIR or ~/.tessera. */
export function configPathOf(location: ConfigLocation = {}): string {
  const env = location.env ?? process.env;
  if (location.configPath) return location.configPath;
  if (env.TESSERA_CONFIG) return env.TESSERA_CONFIG;
  return join(env.TESSERA_CONFIG_DIR || join(homedir(), '.tessera'), 'config');
}

export function profileNameOf(location: ConfigLocation = {}): string {
  const env = location.env ?? process.env;
  return location.profile ?? env.TESSERA_PROFILE ?? DEFAULT_PROFILE;
}

/** Every profile of the file; none when it does not exist. */
export function readConfigFile(path: string): IniSections {
  if (!existsSync(path)) return {};
  return parseIni(readFileSync(path, 'utf8'));
}

/** The profile, or undefined when the file or the profile does not exist. */
export function readProfile(location: ConfigLocation = {}): Profile | undefined {
  return readConfigFile(configPathOf(location))[profileNameOf(location)];
}

/**
 * Sets the profile's values (undefined removes one) and keeps the others, written whole to a
 * temporary file of mode 0600 then renamed over the old one, so a crash never leaves half a file
 * and no other user can read it at any moment.
 */
export function writeProfile(
  values: Partial<Profile>,
  location: ConfigLocation = {},
): Record<string, string> {
  const path = configPathOf(location);
  const sections = readConfigFile(path);
  const name = profileNameOf(location);
  const profile = { ...sections[name] };
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) delete profile[key];
    else profile[key] = value;
  }
  sections[name] = profile;
  writeConfigFile(path, sections);
  return profile;
}

/** Removes the profile (`tessera logout`); true when there was one. */
export function removeProfile(location: ConfigLocation = {}): boolean {
  const path = configPathOf(location);
  const sections = readConfigFile(path);
  const name = profileNameOf(location);
  if (!(name in sections)) return false;
  delete sections[name];
  writeConfigFile(path, sections);
  return true;
}

export function writeConfigFile(path: string, sections: IniSections): void {
  mkdirSync(dirname(path), { recursive: true, mode: CONFIG_DIR_MODE });
  // A name nobody can guess, created afresh ('wx'): never a file or a link planted beforehand.
  const temporary = `${path}.${randomBytes(8).toString('hex')}.tmp`;
  writeFileSync(temporary, stringifyIni(sections), { mode: CONFIG_FILE_MODE, flag: 'wx' });
  chmodSync(temporary, CONFIG_FILE_MODE); // the umask may have narrowed it; never widened
  renameSync(temporary, path);
}
