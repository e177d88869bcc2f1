import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { configPathOf, readProfile, removeProfile, writeProfile } from './config-file';
import { parseIni, stringifyIni } from './ini';

describe('~/.tessera/config', () => {
  const location = (profile?: string) => ({
    configPath: join(mkdtempSync(join(tmpdir(), 'tessera-config-')), '.tessera', 'config'),
    profile,
    env: {},
  });

  it('reads [default] and named profiles, comments and blank lines', () => {
    const text = [
      '# written by tessera login',
      '[default]',
      'url = http://localhost:3000',
      'api_key = tk_live_abc',
      '',
      '; staging',
      '[staging]',
      'url=https://auth.staging.example',
      'access_token = eyJ.a=b.c',
    ].join('\n');
    expect(parseIni(text)).toEqual({
      default: { url: 'http://localhost:3000', api_key: 'tk_live_abc' },
      staging: { url: 'https://auth.staging.example', access_token: 'eyJ.a=b.c' },
    });
    expect(parseIni(stringifyIni(parseIni(text)))).toEqual(parseIni(text));
  });

  it('writes a profile with mode 0600 and keeps the others', () => {
    const at = location('work');
    writeProfile({ url: 'http://a', api_key: 'k1' }, at);
    writeProfile(
      { url: 'http://b', access_token: 't', refresh_token: 'r' },
      { ...at, profile: undefined },
    );
    writeProfile({ api_key: undefined, admin_token: 'x' }, at);
    expect(statSync(at.configPath).mode & 0o777).toBe(0o600);
    expect(statSync(join(at.configPath, '..')).mode & 0o777).toBe(0o700);
    expect(readProfile(at)).toEqual({ url: 'http://a', admin_token: 'x' });
    expect(readProfile({ ...at, profile: undefined })).toMatchObject({ url: 'http://b' });
    expect(readProfile({ ...at, env: { TESSERA_PROFILE: 'work' }, profile: undefined })).toEqual(
      readProfile(at),
    );
  });

  it('narrows a file other users could read to 0600 when it rewrites it', () => {
    const at = location();
    writeProfile({ url: 'http://a' }, at);
    writeFileSync(at.configPath, readFileSync(at.configPath), { mode: 0o644 });
    writeProfile({ api_key: 'k' }, at);
    expect(statSync(at.configPath).mode & 0o777).toBe(0o600);
  });

  it('is found in TESSERA_CONFIG, else TESSERA_CONFIG_DIR, else ~/.tessera', () => {
    expect(configPathOf({ env: { TESSERA_CONFIG: '/a/file', TESSERA_CONFIG_DIR: '/b' } })).toBe(
      '/a/file',
    );
    expect(configPathOf({ env: { TESSERA_CONFIG_DIR: '/b' } })).toBe(join('/b', 'config'));
    expect(configPathOf({ env: {} })).toBe(join(homedir(), '.tessera', 'config'));
  });

  it('removes a profile', () => {
    const at = location('gone');
    writeProfile({ url: 'http://a' }, at);
    expect(removeProfile(at)).toBe(true);
    expect(removeProfile(at)).toBe(false);
    expect(readProfile(at)).toBeUndefined();
  });

  it('refuses names and values that would break the file', () => {
    expect(() => writeProfile({ url: 'a\n[evil]' }, location())).toThrow(/one line/);
    expect(() => writeProfile({ url: 'a' }, location('no spaces'))).toThrow(/profile name/);
  });
});
