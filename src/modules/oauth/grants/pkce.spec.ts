import { s256Challenge, verifierMatches } from './pkce';

describe('PKCE (S256)', () => {
  // RFC 7636 appendix B.
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

  it('computes the challenge of the RFC’s example', () => {
    expect(s256Challenge(verifier)).toBe(challenge);
  });

  it('matches the right verifier only', () => {
    expect(verifierMatches(verifier, challenge)).toBe(true);
    expect(verifierMatches(`${verifier.slice(0, -1)}Y`, challenge)).toBe(false);
  });

  it('never matches a malformed verifier, nor the challenge itself (plain)', () => {
    expect(verifierMatches('short', challenge)).toBe(false);
    expect(verifierMatches(`${verifier} `, challenge)).toBe(false);
    expect(verifierMatches('x'.repeat(129), challenge)).toBe(false);
    expect(verifierMatches(challenge, challenge)).toBe(false);
  });
});
