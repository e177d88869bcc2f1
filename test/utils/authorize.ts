import request from 'supertest';
import type { TestApp } from './create-app';
import { hiddenField, PageClient } from './pages';

export const AUTHORIZE = '/oauth/authorize';
export const CONSENT = '/oauth/authorize/consent';

/** /oauth/authorize with these parameters (undefined ones left out). */
export function authorizePath(parameters: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined) query.append(name, value);
  }
  return `${AUTHORIZE}?${query.toString()}`;
}

/** A browser signed in on the hosted login page (no return_to: the "signed in" page). */
export async function signedInBrowser(
  t: TestApp,
  user: { email: string; password: string },
): Promise<PageClient> {
  const page = new PageClient(t);
  await page.get('/oauth/login', 200);
  await page.post('/oauth/login', { email: user.email, password: user.password }, 200);
  return page;
}

/** Where a redirect sends the browser, as a URL (the answer in its query). */
export function locationOf(response: request.Response): URL {
  const location = response.headers.location as string | undefined;
  if (!location) {
    throw new Error(`Expected a redirect, got ${response.status}: ${response.text.slice(0, 300)}`);
  }
  return new URL(location, 'http://tessera.test');
}

/** The query of a redirect's Location as a plain object. */
export function answerOf(response: request.Response): Record<string, string> {
  return Object.fromEntries(locationOf(response).searchParams);
}

/** What the consent page's form carries, read from its HTML. */
export interface ConsentForm {
  authorization: string;
  /** The organization choices (radio values), or the one hidden organization_id. */
  organizationIds: string[];
  checked: string | null;
  /** The authorization request the page answered (for the error page's "Try again"). */
  returnTo: string | null;
}

export function consentFormOf(html: string): ConsentForm {
  const authorization = hiddenField(html, 'authorization');
  if (authorization === null) throw new Error(`No consent form: ${html.slice(0, 300)}`);
  const radios = [
    ...html.matchAll(
      /<input type="radio" id="[^"]+" name="organization_id" value="([^"]+)"( checked)?>/g,
    ),
  ];
  const single = hiddenField(html, 'organization_id');
  return {
    authorization,
    organizationIds: radios.length ? radios.map((m) => m[1]) : single ? [single] : [],
    checked: radios.find((m) => m[2])?.[1] ?? single,
    returnTo: hiddenField(html, 'return_to'),
  };
}

/** Answers the consent page last shown to `page`: Allow (in `organizationId`, default the checked one) or Deny. */
export async function answerConsent(
  page: PageClient,
  html: string,
  decision: 'allow' | 'deny',
  organizationId?: string,
): Promise<request.Response> {
  const form = consentFormOf(html);
  return page.post(CONSENT, {
    authorization: form.authorization,
    organization_id: organizationId ?? form.checked ?? '',
    decision,
    ...(form.returnTo ? { return_to: form.returnTo } : {}),
  });
}
