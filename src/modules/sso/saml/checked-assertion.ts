import type { Profile } from '@node-saml/node-saml';
import type { SsoConnection } from '../connections/sso-connection.entity';
import type { ResponseShape } from './response-shape';
import { CLOCK_SKEW_MS, ServiceProvider } from './saml-service-providers';
import { SsoRefusal } from './sso-refusal';

/** What the ACS goes on with: the signed assertion's ID, expiry and content. */
export interface CheckedAssertion {
  id: string;
  /** Until when it could be accepted: how long its ID is remembered against replay. */
  expiresAtMs: number;
  profile: Profile;
  /**
   * The InResponseTo of the live bearer confirmation addressed to this ACS: inside the signed
   * assertion, so it says which request the IdP answered (the Response's own may be unsigned).
   */
  answers: string | null;
}

type XmlJs = Record<string, unknown> & { $?: Record<string, string> };

/**
 * The checks node-saml (5.1) does not make, on the assertion it verified: the issuer is the
 * connection's IdP; the Response's Destination (when present) and the bearer confirmation's
 * Recipient are this ACS; the confirmation is within its NotBefore and NotOnOrAfter (node-saml
 * checks them only while matching InResponseTo, which the ACS does itself); the assertion has an ID and an expiry, which bound the replay cache;
 * every AudienceRestriction names this SP, when node-saml could not check it (Azure's spn:).
 */
export function checkAssertion(
  profile: Profile,
  response: Pick<ResponseShape, 'destination'>,
  connection: SsoConnection,
  sp: ServiceProvider,
  now = Date.now(),
): CheckedAssertion {
  const assertion = (profile.getAssertion?.() as { Assertion?: XmlJs } | undefined)?.Assertion;
  if (!assertion) throw new SsoRefusal('malformed_response');
  if (profile.issuer !== connection.idpEntityId) throw new SsoRefusal('wrong_issuer');

  if (response.destination !== null && response.destination !== sp.urls.acsUrl) {
    throw new SsoRefusal('wrong_destination');
  }

  const confirmations = list(list(assertion.Subject)[0]?.SubjectConfirmation)
    .filter((c) => c.$?.Method === 'urn:oasis:names:tc:SAML:2.0:cm:bearer')
    .map((c) => list(c.SubjectConfirmationData)[0]?.$ ?? {});
  const ours = confirmations.filter((data) => data.Recipient === sp.urls.acsUrl);
  if (ours.length === 0) throw new SsoRefusal('wrong_destination');
  const started = ours.filter(
    (data) => !data.NotBefore || now + CLOCK_SKEW_MS >= Date.parse(data.NotBefore),
  );
  if (started.length === 0) throw new SsoRefusal('not_yet_valid');
  const live = started.filter(
    (data) => !data.NotOnOrAfter || now - CLOCK_SKEW_MS < Date.parse(data.NotOnOrAfter),
  );
  if (live.length === 0) throw new SsoRefusal('expired');
  const answered = [...new Set(live.map((data) => data.InResponseTo).filter(Boolean))];
  // Two confirmations answering different requests: which one was meant cannot be told.
  if (answered.length > 1) throw new SsoRefusal('unknown_request');

  const conditions = list(assertion.Conditions)[0];
  if (sp.audiences.length > 1) {
    const restrictions = list(conditions?.AudienceRestriction);
    const names = (r: XmlJs) => list(r.Audience).map((a) => (a as { _?: string })._);
    if (
      restrictions.length === 0 ||
      !restrictions.every((r) => names(r).some((n) => n !== undefined && sp.audiences.includes(n)))
    ) {
      throw new SsoRefusal('wrong_audience');
    }
  }

  const id = assertion.$?.ID;
  if (!id) throw new SsoRefusal('malformed_response');
  const expiries = [conditions?.$?.NotOnOrAfter, ...live.map((data) => data.NotOnOrAfter)]
    .filter((value): value is string => typeof value === 'string')
    .map((value) => Date.parse(value))
    .filter(Number.isFinite);
  // No expiry at all: its ID could never be forgotten, so it cannot be guarded against replay.
  if (expiries.length === 0) throw new SsoRefusal('malformed_response');
  return {
    id,
    expiresAtMs: Math.max(...expiries) + CLOCK_SKEW_MS,
    profile,
    answers: answered[0] ?? null,
  };
}

function list(value: unknown): XmlJs[] {
  return Array.isArray(value) ? (value as XmlJs[]) : [];
}
