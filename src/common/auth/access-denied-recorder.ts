import type { Principal } from './principal';

/**
 * Where the access guard reports a refused scope or permission (the audit module provides it),
 * so the guard does not depend on the module that keeps the log.
 */
export abstract class AccessDeniedRecorder {
  abstract recordDenied(
    principal: Principal,
    detail: { route: string } & Record<string, string>,
  ): void;
}
