import type { Credential, CredentialContext } from '../credentials/credential';
import { TesseraError } from '../errors';

export interface AuthenticatedFetchOptions {
  /** The client's base URL and its plain (retrying, throwing) send. */
  context: CredentialContext;
  credential: Credential | undefined;
  /** X-Organization-ID of each request (read per request: a console switches organizations). */
  organizationId?: () => string | undefined;
}

/**
 * A fetch that sends each request with the credential (unless it carries its own Authorization)
 * and X-Organization-ID; after a 401, a credential that can renew itself does so and the request
 * goes once more. Shared by the Node client (Tessera) and the browser one (createBrowserClient).
 */
export function authenticatedFetch(
  options: AuthenticatedFetchOptions,
): (request: Request) => Promise<Response> {
  const { context } = options;
  return async (request) => {
    const organizationId = options.organizationId?.();
    if (organizationId && !request.headers.has('x-organization-id')) {
      request.headers.set('x-organization-id', organizationId);
    }
    const credential = request.headers.has('authorization') ? undefined : options.credential;
    if (!credential) return context.send(request);
    const retryable = credential.renew ? request.clone() : undefined;
    request.headers.set('authorization', await credential.authorization(context));
    try {
      return await context.send(request);
    } catch (error) {
      if (!(error instanceof TesseraError) || error.status !== 401 || !retryable) throw error;
      if (!(await credential.renew!(context))) throw error;
      retryable.headers.set('authorization', await credential.authorization(context));
      return context.send(retryable);
    }
  };
}
