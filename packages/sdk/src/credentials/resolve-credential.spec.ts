import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeProfile } from '../config/config-file';
import { resolveCredential } from './resolve-credential';
import type { ServiceAccountKeyFile } from './service-account';

describe('resolveCredential: the documented order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-credentials-'));
  const configPath = join(dir, 'config');
  const keyFile: ServiceAccountKeyFile = {
    type: 'service_account',
    organization_id: 'org',
    service_account_id: 'sa_1',
    client_id: 'sa_1',
    private_key_id: 'sak_1',
    private_key: generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
    token_uri: 'https://auth.example/oauth/token',
  };
  const keyPath = join(dir, 'key.json');
  writeFileSync(keyPath, JSON.stringify(keyFile));
  writeProfile({ api_key: 'tk_live_profile' }, { configPath, profile: 'default', env: {} });
  writeProfile({ access_token: 'a', refresh_token: 'r' }, { configPath, profile: 'me', env: {} });

  const everything = {
    apiKey: 'tk_live_option',
    serviceAccountKey: keyPath,
    session: { accessToken: 'a', refreshToken: 'r' },
    configPath,
  };
  const allVariables = {
    TESSERA_API_KEY: 'tk_live_env',
    TESSERA_ADMIN_TOKEN: 'admin',
    TESSERA_SERVICE_ACCOUNT_KEY: JSON.stringify(keyFile),
  };
  const sourceOf = (options: Parameters<typeof resolveCredential>[0]) =>
    resolveCredential(options).source;

  it('takes each in turn while the ones before it are missing', () => {
    expect(sourceOf({ ...everything, env: allVariables })).toBe('apiKey option');
    expect(sourceOf({ ...everything, apiKey: undefined, env: allVariables })).toBe(
      'TESSERA_API_KEY',
    );
    const { TESSERA_API_KEY: _key, ...noKey } = allVariables;
    expect(sourceOf({ ...everything, apiKey: undefined, env: noKey })).toBe('TESSERA_ADMIN_TOKEN');
    const { TESSERA_ADMIN_TOKEN: _admin, ...accountOnly } = noKey;
    expect(sourceOf({ ...everything, apiKey: undefined, env: accountOnly })).toBe(
      'serviceAccountKey option',
    );
    expect(sourceOf({ configPath, session: everything.session, env: accountOnly })).toBe(
      'TESSERA_SERVICE_ACCOUNT_KEY',
    );
    expect(sourceOf({ configPath, session: everything.session, env: {} })).toBe(
      `profile default of ${configPath}`,
    );
    expect(
      sourceOf({ configPath, session: everything.session, env: { TESSERA_PROFILE: 'none' } }),
    ).toBe('session option');
    expect(sourceOf({ configPath, env: { TESSERA_PROFILE: 'none' } })).toBe('none');
  });

  it('gives a hand-made credential precedence over everything', () => {
    const credential = resolveCredential({ apiKey: 'x', env: {} }).credential!;
    expect(resolveCredential({ ...everything, credential, env: allVariables }).credential).toBe(
      credential,
    );
  });

  it('reads the kind of credential a profile holds', () => {
    const user = resolveCredential({ configPath, env: { TESSERA_PROFILE: 'me' } });
    expect(user.credential?.kind).toBe('user_session');
    expect(resolveCredential({ configPath, env: {} }).credential?.kind).toBe('api_key');
    expect(resolveCredential({ configPath, env: {}, useProfile: false }).source).toBe('none');
  });

  it('never shows a secret when a credential is logged', () => {
    const { credential } = resolveCredential({ apiKey: 'tk_live_secret', env: {} });
    expect(JSON.stringify(credential)).not.toContain('secret');
  });
});
