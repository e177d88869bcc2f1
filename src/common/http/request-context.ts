import { AsyncLocalStorage } from 'node:async_hooks';
import type { Principal } from '../auth/principal';

/**
 * Who and where a request comes from, available to domain code (the audit log) without passing
 * it through every call. Set by a Fastify onRequest hook; the authentication guard adds the
 * principal once it is known.
 */
export interface RequestContext {
  requestId: string;
  ip: string;
  userAgent: string | null;
  principal?: Principal;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const requestContext = {
  run<T>(context: RequestContext, fn: () => T): T {
    return storage.run(context, fn);
  },
  current(): RequestContext | undefined {
    return storage.getStore();
  },
};
