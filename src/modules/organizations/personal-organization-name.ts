import { charCount } from '../../common/validation/max-chars';
import { ORGANIZATION_NAME_MAX_CHARS } from './dto/organization.dto';

const SUFFIX = "'s organization";

/**
 * The name of a user's personal organization, "<full name>'s organization". A full name may fill
 * its own column (200 characters), so a long one is cut, marked with "…", to leave the whole
 * within the organization name column: the owner can rename it.
 */
export function personalOrganizationName(fullName: string): string {
  const name = `${fullName}${SUFFIX}`;
  if (charCount(name) <= ORGANIZATION_NAME_MAX_CHARS) return name;
  const room = ORGANIZATION_NAME_MAX_CHARS - charCount(SUFFIX) - 1;
  // By code points, so a character outside the BMP is never split into a lone surrogate.
  return `${Array.from(fullName).slice(0, room).join('')}…${SUFFIX}`;
}
