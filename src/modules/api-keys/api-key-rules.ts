import { principalHasScope } from '../../common/auth/authorization';
import type { Principal } from '../../common/auth/principal';
import type { ScopeCatalogue } from '../../common/auth/scope-catalogue';
import {
  BadRequestError,
  ForbiddenError,
  RequestValidationError,
} from '../../common/errors/api-errors';
import { normalizeAllowedIp } from '../../common/http/ip-allowlist';
import type { ApiKey } from './api-key.entity';
import { actsForOf } from './api-keys.mapper';
import type { CreateApiKeyDto } from './dto/create-api-key.dto';
import { parseDuration } from './expiration';

/** The rules of a key's settings, apart from the service that applies them (pure functions). */

const DAY_MS = 86_400_000;

/**
 * `scopes`, or its alias `permissions`, or the `access` shorthand; exactly one of them. What is
 * wrong with them is a 422 in the contract's validation shape, as for any other field.
 */
export function requestedScopes(dto: CreateApiKeyDto, catalogue: ScopeCatalogue): string[] {
  const given = (['scopes', 'permissions', 'access'] as const).filter(
    (field) => dto[field] !== undefined,
  );
  if (given.length !== 1) {
    throw new RequestValidationError([
      given.length === 0
        ? {
            loc: ['body', 'scopes'],
            msg: 'field required (or permissions, or access)',
            type: 'value_error.missing',
          }
        : {
            loc: ['body', given[1]],
            msg: 'give one of scopes, permissions or access',
            type: 'value_error.conflict',
          },
    ]);
  }
  if (dto.access) return validScopes(catalogue.expand(dto.access), catalogue, 'access');
  return validScopes(dto[given[0] as 'scopes' | 'permissions']!, catalogue, given[0]);
}

/** The scopes of `field`, trimmed, each once; none, or an unknown one, is a 422. */
export function validScopes(
  scopes: string[],
  catalogue: ScopeCatalogue,
  field: string = 'scopes',
): string[] {
  const trimmed = scopes.map((s) => s.trim());
  if (trimmed.length === 0) {
    throw new RequestValidationError([
      {
        loc: ['body', field],
        msg: 'a key needs at least one scope',
        type: 'value_error.list.min_items',
      },
    ]);
  }
  catalogue.assertKnown(trimmed, field);
  return [...new Set(trimmed)];
}

/** No credential mints, widens or lifts the limits of a key beyond its own scopes. */
export function assertCallerCovers(caller: Principal, scopes: string[]): void {
  const beyond = scopes.filter((scope) => !principalHasScope(caller, scope));
  if (beyond.length) {
    throw new ForbiddenError(
      `Cannot grant scopes you do not have: ${beyond.join(', ')}`,
      'scope_escalation',
    );
  }
}

/** A user may always end a key of their own. */
export const isOwnKey = (caller: Principal, key: ApiKey): boolean =>
  caller.type === 'user' && key.actsFor === actsForOf({ userId: caller.subject });

export function normalizeAllowedIps(entries: string[]): string[] {
  // The DTO refuses bad entries first (422 at their index); this stays the last guard.
  const normalized = entries.map((entry) => ({ entry, ip: normalizeAllowedIp(entry) }));
  const invalid = normalized.filter((n) => n.ip === null).map((n) => n.entry);
  if (invalid.length)
    throw new BadRequestError(
      `Invalid IP address or CIDR range: ${invalid.join(', ')}`,
      'invalid_allowed_ips',
    );
  return [...new Set(normalized.map((n) => n.ip!))];
}

export function expiryOf(dto: CreateApiKeyDto, now: number): Date | null {
  if (dto.expires_in_days !== undefined && dto.expiration !== undefined) {
    throw new RequestValidationError([
      {
        loc: ['body', 'expiration'],
        msg: 'give expires_in_days or expiration, not both',
        type: 'value_error.conflict',
      },
    ]);
  }
  if (dto.expires_in_days !== undefined) return new Date(now + dto.expires_in_days * DAY_MS);
  if (dto.expiration !== undefined) {
    // The DTO refused every other value already (422); this stays the last guard.
    const ms = parseDuration(dto.expiration);
    if (ms === null) throw new BadRequestError('expiration must be "30d", "12h"… up to 10 years');
    return new Date(now + ms);
  }
  return null;
}

export const alreadyRotated = () =>
  new BadRequestError('This key was already rotated; rotate its replacement', 'key_rotated');

/** A key is rotated once, and an expired or revoked key has nothing left to hand over. */
export function assertRotatable(key: ApiKey, now = Date.now()): void {
  if (key.revokedAt) throw new BadRequestError('A revoked key cannot be rotated', 'key_revoked');
  if (key.replacedBy) throw alreadyRotated();
  if (key.expiresAt && key.expiresAt.getTime() <= now) {
    throw new BadRequestError('An expired key cannot be rotated', 'key_expired');
  }
}
