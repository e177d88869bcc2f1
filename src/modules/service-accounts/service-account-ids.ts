import { PathIdPipe } from '../../common/http/path-ids';
import { isPrefixedId } from '../../common/ids';

/**
 * `sa_<32 hex>`: a UUIDv7 behind the type prefix, sortable by creation time. It is also the
 * account's OAuth `client_id` (the `iss` and `sub` of its assertions), as a Google Cloud service
 * account's unique id is its OAuth client id: one name, never reused.
 */
export const SERVICE_ACCOUNT_ID_PREFIX = 'sa';

/** `sak_<32 hex>`: a key's `private_key_id`, the `kid` of the assertions it signs. */
export const SERVICE_ACCOUNT_KEY_ID_PREFIX = 'sak';

export const isServiceAccountId = (value: string): boolean =>
  isPrefixedId(SERVICE_ACCOUNT_ID_PREFIX, value);

export const isServiceAccountKeyId = (value: string): boolean =>
  isPrefixedId(SERVICE_ACCOUNT_KEY_ID_PREFIX, value);

/** `:id` in a path: any other shape is the 404 of a missing account. */
export const ServiceAccountIdParam = new PathIdPipe(
  isServiceAccountId,
  'Service account not found',
);

export const ServiceAccountKeyIdParam = new PathIdPipe(
  isServiceAccountKeyId,
  'Service account key not found',
);
