import { generateKeyPairSync, sign } from 'node:crypto';
import { parseReporterKeys, reporterKeysProblem, signs } from './reporter-keys';

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pemOf = (pair: ReturnType<typeof p256>) =>
  pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('LEAKED_KEY_REPORTER_KEYS', () => {
  const first = p256();
  const second = p256();

  it('reads {"<key id>": "<PEM>"} inline, and GitHub’s public_keys document from a file', () => {
    const inline = parseReporterKeys(JSON.stringify({ a: pemOf(first), b: pemOf(second) }));
    expect([...inline.keys()]).toEqual(['a', 'b']);

    const github = JSON.stringify({
      public_keys: [
        { key_identifier: 'f952', key: pemOf(first), is_current: false },
        { key_identifier: 'bcb5', key: pemOf(second), is_current: true },
      ],
    });
    const read = jest.fn(() => github);
    const fromFile = parseReporterKeys('/etc/tessera/github-keys.json', read);
    expect(read).toHaveBeenCalledWith('/etc/tessera/github-keys.json');
    expect([...fromFile.keys()]).toEqual(['f952', 'bcb5']);
    expect(parseReporterKeys(undefined).size).toBe(0);
    expect(parseReporterKeys('  ').size).toBe(0);
  });

  it('says what is wrong with a value that would leave reports unverifiable', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const problems: [string | undefined, RegExp][] = [
      ['{not json', /not valid JSON/],
      ['[]', /expected a JSON object/],
      ['{"k": 1}', /key "k" must be a PEM string/],
      [
        '{"k": "-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----"}',
        /not a PEM public key/,
      ],
      [
        JSON.stringify({ k: first.privateKey.export({ type: 'pkcs8', format: 'pem' }) }),
        /must be a PEM public key/,
      ],
      [JSON.stringify({ k: pemOf(rsa as never) }), /not an ECDSA P-256/],
      [JSON.stringify({ k: pemOf(p384) }), /not an ECDSA P-256/],
      [JSON.stringify({ '': pemOf(first) }), /1 to 200 characters/],
      ['{"public_keys": {}}', /must be a list/],
      ['{"public_keys": [{"key": "x"}]}', /needs a key_identifier/],
      ['/no/such/file.json', /neither JSON nor a readable file \(ENOENT/],
    ];
    for (const [value, problem] of problems) expect(reporterKeysProblem(value)).toMatch(problem);
    expect(reporterKeysProblem(JSON.stringify({ k: pemOf(first) }))).toBeNull();
  });

  it('verifies a base64 DER ECDSA signature over the exact bytes', () => {
    const keys = parseReporterKeys(JSON.stringify({ k: pemOf(first) }));
    const body = Buffer.from('[{"token":"x"}]');
    const signature = sign('sha256', body, { key: first.privateKey, dsaEncoding: 'der' });
    expect(signs(keys.get('k')!, body, signature.toString('base64'))).toBe(true);
    expect(
      signs(keys.get('k')!, Buffer.from('[{"token":"y"}]'), signature.toString('base64')),
    ).toBe(false);
    const other = sign('sha256', body, { key: second.privateKey, dsaEncoding: 'der' });
    expect(signs(keys.get('k')!, body, other.toString('base64'))).toBe(false);
    // IEEE P1363 (r || s) is not what GitHub sends; neither is garbage or nothing.
    const p1363 = sign('sha256', body, { key: first.privateKey, dsaEncoding: 'ieee-p1363' });
    expect(signs(keys.get('k')!, body, p1363.toString('base64'))).toBe(false);
    expect(signs(keys.get('k')!, body, '!!!')).toBe(false);
    expect(signs(keys.get('k')!, body, '')).toBe(false);
  });
});
