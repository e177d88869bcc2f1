import { PathIdPipe } from '../../../common/http/path-ids';
import { isPrefixedId } from '../../../common/ids';

/** `sso_<32 hex>`: a UUIDv7 behind the type prefix, sortable by creation time. */
export const SSO_CONNECTION_ID_PREFIX = 'sso';

export const isSsoConnectionId = (value: string): boolean =>
  isPrefixedId(SSO_CONNECTION_ID_PREFIX, value);

/** `:id` in a path: any other shape is the 404 of a missing connection. */
export const SsoConnectionIdParam = new PathIdPipe(isSsoConnectionId, 'SSO connection not found');
