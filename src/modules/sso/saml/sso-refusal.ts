import { isSamlStatusError } from '../saml-libraries';

/** Why a sign-in through SSO was refused: a stable code (audit, tests) and words for the page. */
export const REFUSALS = {
  unknown_connection: [404, 'This single sign-on connection does not exist.'],
  missing_response: [400, 'The identity provider sent no SAML response.'],
  malformed_response: [400, 'The SAML response could not be read.'],
  response_too_complex: [
    400,
    'The SAML response is larger or more deeply nested than any identity provider sends.',
  ],
  no_certificate: [
    403,
    'This connection has no identity provider certificate to check the response with.',
  ],
  invalid_signature: [
    403,
    'The response is not signed by this connection’s identity provider, or was changed after it was signed.',
  ],
  weak_signature: [
    403,
    'The response is signed with an algorithm too weak to trust (SHA-1); the identity provider must sign with SHA-256.',
  ],
  multiple_assertions: [403, 'The response holds more than one assertion.'],
  wrong_issuer: [403, 'The response comes from another identity provider than this connection’s.'],
  wrong_audience: [403, 'The response is meant for another service, not this one.'],
  wrong_destination: [403, 'The response is addressed to another address than this connection’s.'],
  expired: [403, 'The response has expired. Sign in again.'],
  not_yet_valid: [403, 'The response is not valid yet (check the identity provider’s clock).'],
  unknown_request: [
    403,
    'The response answers no sign-in started here, or one that already finished. Sign in again.',
  ],
  idp_initiated_disabled: [
    403,
    'Sign-in started at the identity provider is not allowed for this connection. Start from the sign-in page.',
  ],
  other_browser: [
    403,
    'This sign-in was started in another browser, or this browser’s sign-in cookie expired. Sign in again from here.',
  ],
  replayed: [403, 'This response was used already. Sign in again.'],
  no_email: [403, 'The response carries no email address.'],
  email_outside_domains: [403, 'The email address is not in a domain of this connection.'],
  account_outside_organization: [
    403,
    'An account with this email exists outside this organization; an administrator must add it to the organization first.',
  ],
  domain_not_verified: [
    403,
    'An account with this email exists, and this connection has not verified that its organization owns the email’s domain.',
  ],
  domain_verified_elsewhere: [
    403,
    'Another single sign-on connection has verified the email’s domain; this connection no longer signs its people in.',
  ],
  member_outranks_connection: [
    403,
    'This account holds a role, here or in another organization, that the administrator who set up the connection does not; sign in with a password, or have an owner take the connection over.',
  ],
  connection_owner_gone: [
    403,
    'The administrator who set up this connection no longer manages single sign-on in the organization; another administrator must take it over.',
  ],
  idp_error: [403, 'The identity provider did not sign you in.'],
  sign_in_failed: [
    400,
    'The sign-in could not be completed. Try again, or ask your administrator.',
  ],
  unknown_domain: [404, 'No single sign-on is set up for this email address.'],
  invalid_email: [400, 'Enter a valid email address.'],
} as const satisfies Record<string, readonly [number, string]>;

export type RefusalReason = keyof typeof REFUSALS;

/** A refused SSO sign-in: answered as an error page with its status and words, never a 5xx. */
export class SsoRefusal extends Error {
  readonly status: number;
  readonly description: string;

  constructor(readonly reason: RefusalReason) {
    super(reason);
    [this.status, this.description] = REFUSALS[reason];
  }
}

/**
 * node-saml's error, as a reason. Its messages are its API here (it has no error codes);
 * anything not recognised is a response that could not be read, which is refused all the same.
 */
export function refusalOfSamlError(error: unknown): SsoRefusal {
  if (error instanceof SsoRefusal) return error;
  if (isSamlStatusError(error)) return new SsoRefusal('idp_error');
  const message = error instanceof Error ? error.message : '';
  if (/multiple assertions/i.test(message)) return new SsoRefusal('multiple_assertions');
  if (/signature/i.test(message)) return new SsoRefusal('invalid_signature');
  if (/InResponseTo is missing/i.test(message)) return new SsoRefusal('idp_initiated_disabled');
  if (/InResponseTo/i.test(message)) return new SsoRefusal('unknown_request');
  if (/not yet valid/i.test(message)) return new SsoRefusal('not_yet_valid');
  if (/expired|subject confirmation/i.test(message)) return new SsoRefusal('expired');
  if (/audience/i.test(message)) return new SsoRefusal('wrong_audience');
  return new SsoRefusal('malformed_response');
}
