/**
 * What happens to an organization's API key when a secret scanner reports it leaked: `revoke`
 * (the default) ends it at once; `flag` keeps it working, marks it (`leak_reported_at`) and
 * tells its owners through the audit log, for an organization that would rather rotate it itself
 * than have a production key stop under it.
 */
export const LEAKED_KEY_POLICIES = ['revoke', 'flag'] as const;
export type LeakedKeyPolicy = (typeof LEAKED_KEY_POLICIES)[number];
export const DEFAULT_LEAKED_KEY_POLICY: LeakedKeyPolicy = 'revoke';
