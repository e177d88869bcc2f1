import { EntityTarget, FindOptionsWhere, IsNull, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { transactionAlone } from './transactions';

/**
 * How a rotation's transaction ended: written; refused because the token (or, on a retry, its
 * successor) was used meanwhile, a reuse; or refused because the session or grant ended since
 * the request's checks.
 */
export type RotationOutcome = 'rotated' | 'used' | 'ended';

/** What rotating needs of a refresh token row (a session's or an OAuth grant's). */
export interface RotatedToken {
  id: string;
  usedAt: Date | null;
  replacedById: string | null;
}

/**
 * A used refresh token presented again within the grace of its use, whose successor may still be
 * unused: the client lost the answer and retries (REFRESH_TOKEN_RETRY_GRACE_SECONDS). Whether the
 * successor is unused is decided where it is retired (replaceRefreshToken).
 */
export function mayBeRetry(token: RotatedToken, nowMs: number, graceMs: number): boolean {
  return (
    graceMs > 0 &&
    token.usedAt !== null &&
    token.replacedById !== null &&
    nowMs - token.usedAt.getTime() <= graceMs
  );
}

/** A rotation: the token presented, the one that replaces it, and when. */
export interface Rotation<T extends RotatedToken> {
  presented: RotatedToken;
  successor: T;
  now: Date;
  /**
   * The token's session or grant, whose `lastUsedAt` the rotation writes: the row `where` finds
   * while it is live (not revoked, expired or deleted since the request's checks).
   */
  owner: { entity: EntityTarget<{ lastUsedAt: Date | null }>; where: FindOptionsWhere<object> };
}

/**
 * The presented refresh token's use (or, on a retry, its unused successor's retirement), its
 * session's or grant's last use and the token that replaces it, in one transaction. The owner's
 * row is written first: an owner ended since the request's checks gets no successor, and on
 * MySQL its lock comes before the token rows' (the successor's insert reads it, as its foreign
 * key; a grant's deletion takes the grant, then its tokens by cascade), so two refreshes, or a
 * refresh and a revocation, wait for each other instead of deadlocking.
 */
export function rotateRefreshToken<T extends RotatedToken>(
  tokens: Repository<T>,
  { presented, successor, now, owner }: Rotation<T>,
): Promise<RotationOutcome> {
  return transactionAlone(tokens.manager, async (manager): Promise<RotationOutcome> => {
    const touched = await manager.update(owner.entity, owner.where, { lastUsedAt: now });
    if ((touched.affected ?? 0) === 0) return 'ended';
    const inTransaction = manager.getRepository<T>(tokens.target);
    await replaceRefreshToken(inTransaction, presented, successor.id, now);
    await inTransaction.insert(successor as QueryDeepPartialEntity<T>);
    return 'rotated';
  }).catch((error: unknown) => {
    if (error instanceof RotationLost) return 'used';
    throw error;
  });
}

/**
 * Another request got to the token first: the token, or on a retry its successor, was used
 * meanwhile. Thrown inside the rotation's transaction, so what it had written is rolled back.
 */
class RotationLost extends Error {
  constructor() {
    super('The refresh token was used meanwhile');
  }
}

/**
 * Writes that `presented` is replaced by the token `successorId`, inside the caller's
 * transaction. An unused token is marked used. A retry of a used one retires the successor its
 * use made, which the client never received (marked used, replaced by nothing, so presenting it
 * later is a reuse), and points to the new one instead. Throws RotationLost when another request
 * got there first.
 */
async function replaceRefreshToken<T extends RotatedToken>(
  tokens: Repository<T>,
  presented: RotatedToken,
  successorId: string,
  now: Date,
): Promise<void> {
  const where = (fields: Partial<RotatedToken>) => fields as unknown as FindOptionsWhere<T>;
  const set = (fields: Partial<RotatedToken>) => fields as QueryDeepPartialEntity<T>;
  const updated = async (
    match: Partial<RotatedToken>,
    fields: Partial<RotatedToken>,
  ): Promise<void> => {
    const result = await tokens.update(where(match), set(fields));
    if ((result.affected ?? 0) === 0) throw new RotationLost();
  };
  const unused = IsNull() as unknown as null;
  if (presented.usedAt === null) {
    await updated({ id: presented.id, usedAt: unused }, { usedAt: now, replacedById: successorId });
    return;
  }
  if (presented.replacedById === null) throw new RotationLost();
  await updated({ id: presented.replacedById, usedAt: unused }, { usedAt: now });
  await updated(
    { id: presented.id, replacedById: presented.replacedById },
    { replacedById: successorId },
  );
}
