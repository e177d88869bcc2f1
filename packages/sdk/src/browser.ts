/**
 * The SDK for browsers (the web console): the typed client, typed errors, retries and a user
 * session that refreshes itself, without the Node-only parts (configuration files, environment
 * variables, service account key files). Import `@tessera/sdk/browser`.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { Credential } from './credentials/credential';
import type { paths } from './generated/schema';
import { authenticatedFetch } from './http/authenticated-fetch';
import { retryingFetch, RetryOptions } from './http/retry';
import { TesseraError } from './errors';

export { auditEventCount } from './audit-events';
export { TesseraError, type ValidationIssue } from './errors';
export {
  UserSessionCredential,
  type SessionTokens,
  type UserSessionOptions,
} from './credentials/user-session';
export type { Credential } from './credentials/credential';
export type { paths, components, operations } from './generated/schema';

export interface BrowserClientOptions {
  /** Where Tessera is; the page's own origin for the console. */
  baseUrl: string;
  credential?: Credential;
  /** X-Organization-ID of each request, read per request. */
  organizationId?: () => string | undefined;
  retry?: RetryOptions;
  fetch?: typeof fetch;
}

/** The typed client (openapi-fetch) for a browser: calls resolve with `{data}` or throw TesseraError. */
export function createBrowserClient(options: BrowserClientOptions): Client<paths> {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  // The global fetch called as a function of its own: a browser refuses it called as a method
  // of another object ("Illegal invocation").
  const retrying = retryingFetch(options.fetch ?? ((input) => fetch(input)), options.retry);
  const send = async (request: Request): Promise<Response> => {
    const response = await retrying(request);
    if (!response.ok) throw await TesseraError.fromResponse(response, request);
    return response;
  };
  const fetchWithCredential = authenticatedFetch({
    context: { baseUrl, send },
    credential: options.credential,
    organizationId: options.organizationId,
  });
  return createClient<paths>({ baseUrl, fetch: fetchWithCredential });
}
