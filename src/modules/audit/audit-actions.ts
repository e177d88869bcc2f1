/**
 * Every audit action, in one place. Names are dotted and stable: clients filter and alert on
 * them, so never rename one; add a new one instead. Listed in README.md too.
 */
export const AUDIT_ACTIONS = {
  userRegistered: 'user.registered',
  loginSucceeded: 'auth.login.succeeded',
  loginFailed: 'auth.login.failed',
  mfaEnrolled: 'auth.mfa.enrolled',
  mfaFailed: 'auth.mfa.failed',
  mfaRemoved: 'auth.mfa.removed',
  passwordChanged: 'auth.password.changed',
  reauthenticationFailed: 'auth.reauthentication.failed',
  sessionRefreshed: 'session.refreshed',
  sessionReuseDetected: 'session.refresh_token_reused',
  sessionLoggedOut: 'session.logged_out',
  sessionRevoked: 'session.revoked',
  sessionsLoggedOutAll: 'session.logged_out_all',
  organizationCreated: 'organization.created',
  organizationUpdated: 'organization.updated',
  memberAdded: 'organization.member.added',
  memberRemoved: 'organization.member.removed',
  memberRoleChanged: 'organization.member.role_changed',
  apiKeyCreated: 'api_key.created',
  apiKeyUpdated: 'api_key.updated',
  apiKeyRotated: 'api_key.rotated',
  apiKeyRevoked: 'api_key.revoked',
  apiKeyRefused: 'api_key.authentication_refused',
  oauthTokenIssued: 'oauth.token.issued',
  oauthTokenRefused: 'oauth.token.refused',
  oauthTokenRevoked: 'oauth.token.revoked',
  oauthClientCreated: 'oauth_client.created',
  oauthClientUpdated: 'oauth_client.updated',
  oauthClientSecretRotated: 'oauth_client.secret_rotated',
  oauthClientDeleted: 'oauth_client.deleted',
  oauthTokenReuseDetected: 'oauth.token.reuse_detected',
  oauthGrantEnded: 'oauth.grant.ended',
  oauthConsentGranted: 'oauth.consent.granted',
  oauthConsentDenied: 'oauth.consent.denied',
  oauthAuthorizationRefused: 'oauth.authorization.refused',
  accessDenied: 'authorization.denied',
  rateLimited: 'rate_limit.exceeded',
  eventsDropped: 'audit.events_dropped',
  eventSetAside: 'audit.event_set_aside',
} as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[keyof typeof AUDIT_ACTIONS];
export type AuditOutcome = 'success' | 'failure' | 'denied';
