import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EnvironmentVariables } from '../../config/env.schema';
import { RequestValidationError, ValidationIssue } from '../errors/api-errors';
import { defaultScopeCatalogue, expandAccessLevel, scopeCovers } from './scopes';
import { roleScopes } from './role-scopes';
import { Role, ROLES } from './roles';

/** The configured catalogue of scopes (the contract's default plus TESSERA_EXTRA_SCOPES). */
@Injectable()
export class ScopeCatalogue {
  readonly all: readonly string[];
  private readonly byRole: Record<Role, readonly string[]>;

  constructor(config: ConfigService<EnvironmentVariables, true>) {
    const extra = config.get('TESSERA_EXTRA_SCOPES', { infer: true }).split(/\s+/).filter(Boolean);
    this.all = defaultScopeCatalogue(extra);
    this.byRole = Object.fromEntries(
      ROLES.map((role) => [role, roleScopes(role, this.all)]),
    ) as Record<Role, readonly string[]>;
  }

  /** A known scope, or a wildcard over a known resource (`translate:*`). */
  isKnown(scope: string): boolean {
    if (this.all.includes(scope)) return true;
    return scope.endsWith(':*') && this.all.some((s) => scopeCovers(scope, s));
  }

  /**
   * A 422 naming each unknown scope of the body's `field` at its index (`alsoKnown`: scopes a
   * caller accepts beyond the catalogue, such as OpenID Connect's for OAuth clients).
   */
  assertKnown(
    scopes: readonly string[],
    field: string,
    alsoKnown: (scope: string) => boolean = () => false,
  ): void {
    const issues = scopes.flatMap((scope, index): ValidationIssue[] =>
      alsoKnown(scope) || this.isKnown(scope)
        ? []
        : [
            {
              loc: ['body', field, index],
              msg: `unknown scope: ${scope}`,
              type: 'value_error.scope',
            },
          ],
    );
    if (issues.length) throw new RequestValidationError(issues);
  }

  expand(level: 'read-only' | 'write' | 'admin'): string[] {
    return expandAccessLevel(level, this.all);
  }

  /** The scopes a user's token carries in an organization where it holds this role. */
  scopesOfRole(role: Role): readonly string[] {
    return this.byRole[role];
  }
}
