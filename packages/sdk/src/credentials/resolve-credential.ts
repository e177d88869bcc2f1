import {
  ConfigLocation,
  configPathOf,
  Profile,
  profileNameOf,
  readProfile,
  writeProfile,
} from '../config/config-file';
import { withConfigLock } from '../config/config-lock';
import { adminTokenCredential, apiKeyCredential, Credential } from './credential';
import {
  serviceAccountCredential,
  ServiceAccountCredential,
  ServiceAccountKeyFile,
} from './service-account';
import { userSessionCredential, UserSessionOptions } from './user-session';

/** Where a client may find its credential; see resolveCredential for the order. */
export interface CredentialOptions extends ConfigLocation {
  /** A credential made by hand: used as it is, before anything else. */
  credential?: Credential;
  apiKey?: string;
  /** A key file: its path, its JSON text, or the parsed document. */
  serviceAccountKey?: ServiceAccountKeyFile | string;
  session?: UserSessionOptions;
  /** false: never read ~/.tessera/config. */
  useProfile?: boolean;
}

export interface ResolvedCredential {
  credential: Credential | undefined;
  /** Which option, variable or profile it came from (never the secret), for messages. */
  source: string;
  /** The profile read, for its `url` and `organization_id`. */
  profile?: Profile;
  /** The credential is the profile's: it belongs to the profile's `url` and goes nowhere else. */
  fromProfile?: boolean;
}

/**
 * The first credential found, in this order (README, "Credentials"):
 * 1. `credential` (an object made by hand);
 * 2. `apiKey`;
 * 3. TESSERA_API_KEY;
 * 4. TESSERA_ADMIN_TOKEN (the instance administrator);
 * 5. `serviceAccountKey`, else TESSERA_SERVICE_ACCOUNT_KEY (a path, or the key file's JSON);
 * 6. the profile (`profile`, TESSERA_PROFILE or `default`) of ~/.tessera/config (or
 *    `configPath`, TESSERA_CONFIG, or `config` in TESSERA_CONFIG_DIR);
 * 7. `session` (a user's tokens).
 * None found: requests go without one (enough for login and the public routes).
 */
export function resolveCredential(options: CredentialOptions = {}): ResolvedCredential {
  const env = options.env ?? process.env;
  if (options.credential) return { credential: options.credential, source: 'credential option' };
  if (options.apiKey)
    return { credential: apiKeyCredential(options.apiKey), source: 'apiKey option' };
  if (env.TESSERA_API_KEY) {
    return { credential: apiKeyCredential(env.TESSERA_API_KEY), source: 'TESSERA_API_KEY' };
  }
  if (env.TESSERA_ADMIN_TOKEN) {
    return {
      credential: adminTokenCredential(env.TESSERA_ADMIN_TOKEN),
      source: 'TESSERA_ADMIN_TOKEN',
    };
  }
  if (options.serviceAccountKey) {
    return {
      credential: serviceAccountCredential(options.serviceAccountKey),
      source: 'serviceAccountKey option',
    };
  }
  if (env.TESSERA_SERVICE_ACCOUNT_KEY) {
    return {
      credential: serviceAccountCredential(env.TESSERA_SERVICE_ACCOUNT_KEY),
      source: 'TESSERA_SERVICE_ACCOUNT_KEY',
    };
  }
  if (options.useProfile !== false) {
    const profile = readProfile(options);
    const credential = profile && profileCredential(profile, options);
    if (credential) {
      return {
        credential,
        source: `profile ${profileNameOf(options)} of ${configPathOf(options)}`,
        profile,
        fromProfile: true,
      };
    }
    if (options.session) {
      return {
        credential: userSessionCredential(options.session),
        source: 'session option',
        profile,
      };
    }
    return { credential: undefined, source: 'none', profile };
  }
  if (options.session) {
    return { credential: userSessionCredential(options.session), source: 'session option' };
  }
  return { credential: undefined, source: 'none' };
}

/** A profile's one credential; a session's refreshed tokens are written back to the profile. */
function profileCredential(profile: Profile, location: ConfigLocation): Credential | undefined {
  if (profile.api_key) return apiKeyCredential(profile.api_key);
  if (profile.admin_token) return adminTokenCredential(profile.admin_token);
  if (profile.service_account_key_file) {
    return serviceAccountCredential(profile.service_account_key_file);
  }
  if (profile.access_token && profile.refresh_token) {
    return userSessionCredential({
      accessToken: profile.access_token,
      refreshToken: profile.refresh_token,
      onTokenRefreshed: (tokens) => {
        writeProfile(
          { access_token: tokens.access_token, refresh_token: tokens.refresh_token },
          location,
        );
      },
      // Several `tessera` commands at once share the profile's session.
      sharedWith: {
        withLock: (work) => withConfigLock(location, work),
        latest: () => {
          const stored = readProfile(location);
          return stored?.access_token && stored.refresh_token
            ? { accessToken: stored.access_token, refreshToken: stored.refresh_token }
            : undefined;
        },
      },
    });
  }
  return undefined;
}

export function isServiceAccount(
  credential: Credential | undefined,
): credential is ServiceAccountCredential {
  return credential instanceof ServiceAccountCredential;
}
