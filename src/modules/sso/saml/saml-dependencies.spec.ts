import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The SAML stack is only as safe as the releases installed: `npm audit` cannot reach its
 * endpoint from these machines, so this pins the floors of the advisories checked (2025-2026).
 * - xml-crypto: 6.0.1 fixed CVE-2025-29774 and CVE-2025-29775 (signature bypass through several
 *   SignedInfo references / a comment in DigestValue); 6.1.0 added getSignedReferences, which
 *   node-saml 5.1.0 relies on, and 6.1.2 drops every reference's data when one is corrupted.
 * - @node-saml/node-saml: 5.1.0 fixed CVE-2025-54419 (assertions loaded from the unsigned
 *   document instead of what was signed).
 * - @xmldom/xmldom: 0.9.12 and 0.8.15 fixed the 2026 advisories (GHSA-6gmq-8vp8-gcm6 and the
 *   related serialization/parsing CVEs); node-saml, xml-crypto and xml-encryption bring their
 *   own 0.8 copies, checked too.
 */
const FLOORS: [string, string][] = [
  ['xml-crypto', '6.1.2'],
  ['@node-saml/node-saml', '5.1.0'],
  ['@node-saml/passport-saml', '5.1.1'],
];
const XMLDOM_FLOORS: Record<string, string> = { '0.8': '0.8.15', '0.9': '0.9.12' };

function versionOf(packageName: string, from = process.cwd()): string {
  const path = require.resolve(`${packageName}/package.json`, { paths: [from] });
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

function atLeast(version: string, floor: string): boolean {
  const [a, b] = [version, floor].map((v) => v.split(/[.-]/).slice(0, 3).map(Number));
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}

/** The directory a package is installed in, to resolve its own dependencies from there. */
function packageDir(packageName: string, from = process.cwd()): string {
  return dirname(require.resolve(`${packageName}/package.json`, { paths: [from] }));
}

describe('the installed SAML dependencies', () => {
  it.each(FLOORS)('%s is at least %s', (name, floor) => {
    expect({ name, version: versionOf(name), safe: atLeast(versionOf(name), floor) }).toEqual({
      name,
      version: versionOf(name),
      safe: true,
    });
  });

  it.each([
    ['the top-level @xmldom/xmldom', process.cwd()],
    ['the copy node-saml uses', packageDir('@node-saml/node-saml')],
    ['the copy xml-crypto uses', packageDir('xml-crypto')],
    [
      'the copy xml-encryption uses',
      packageDir('xml-encryption', packageDir('@node-saml/node-saml')),
    ],
  ])('%s is at least the fixed release of its line', (_which, from) => {
    const version = versionOf('@xmldom/xmldom', from);
    const line = version.split('.').slice(0, 2).join('.');
    const floor = XMLDOM_FLOORS[line];
    expect({ version, line, known: floor !== undefined }).toEqual({ version, line, known: true });
    expect(atLeast(version, floor)).toBe(true);
  });

  it('compares versions numerically', () => {
    expect(atLeast('6.10.0', '6.9.9')).toBe(true);
    expect(atLeast('0.8.14', '0.8.15')).toBe(false);
    expect(atLeast('5.1.0', '5.1.0')).toBe(true);
  });
});
