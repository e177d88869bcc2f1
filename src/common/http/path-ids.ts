import { PipeTransform } from '@nestjs/common';
import { NotFoundError } from '../errors/api-errors';
import { API_KEY_ID_PREFIX, isCanonicalUuid, isPrefixedId } from '../ids';

/**
 * An id in a path, checked for the shape its kind is issued in before any look-up. A path names
 * a record by the id it was given, byte for byte: another case or another shape names nothing,
 * and gets the 404 a missing record gets (not a 422: the caller learns nothing more than "no
 * such record", and that is what it is). Use as `@Param('id', ApiKeyIdParam)`.
 */
export class PathIdPipe implements PipeTransform<unknown, string> {
  constructor(
    private readonly isIssuedShape: (value: string) => boolean,
    private readonly notFound: string,
  ) {}

  transform(value: unknown): string {
    if (typeof value === 'string' && this.isIssuedShape(value)) return value;
    throw new NotFoundError(this.notFound);
  }
}

export const OrganizationIdParam = new PathIdPipe(isCanonicalUuid, 'Organization not found');
export const MemberUserIdParam = new PathIdPipe(isCanonicalUuid, 'Member not found');
export const ApiKeyIdParam = new PathIdPipe(
  (value) => isPrefixedId(API_KEY_ID_PREFIX, value),
  'API key not found',
);
