import { PathIdPipe } from '../../../common/http/path-ids';
import { isPrefixedId } from '../../../common/ids';

/** `client_<32 hex>`: a UUIDv7 behind the type prefix, sortable by creation time. */
export const OAUTH_CLIENT_ID_PREFIX = 'client';

export const isOAuthClientId = (value: string): boolean =>
  isPrefixedId(OAUTH_CLIENT_ID_PREFIX, value);

/** `:client_id` in a path: any other shape is the 404 of a missing client. */
export const OAuthClientIdParam = new PathIdPipe(isOAuthClientId, 'OAuth client not found');
