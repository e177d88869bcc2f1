import { Inject, Injectable, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LookupAddress } from 'node:dns';
import { lookup as systemLookup } from 'node:dns/promises';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import {
  ADDRESS_CLASS_DESCRIPTIONS,
  AddressClass,
  classifyAddress,
} from '../../../common/http/outbound-address';
import { EnvironmentVariables } from '../../../config/env.schema';

/**
 * Why an IdP metadata URL was not fetched, in words for the user who gave it (the `detail` of a
 * 4xx). It never names an address the user did not write (a resolved or redirected-to address
 * would tell them about the server's network) and carries no underlying error.
 */
export class MetadataFetchRefused extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'MetadataFetchRefused';
  }
}

/** Overrides for tests; production uses the defaults. */
export interface MetadataFetchOptions {
  /** PEM certificates trusted besides the system's CAs (a test server's self-signed one). */
  trustedCa?: string | string[];
  timeLimitMs?: number;
  maxBytes?: number;
  /** Resolves a host name to every address it has (dns.lookup with all: true by default). */
  lookup?: (host: string) => Promise<LookupAddress[]>;
}

/** Provide this token to pass MetadataFetchOptions (tests only). */
export const METADATA_FETCH_OPTIONS = 'METADATA_FETCH_OPTIONS';

const DEFAULT_TIME_LIMIT_MS = 5000;
const DEFAULT_MAX_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const ACCEPT = 'application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8';
// Never reachable, whatever the operator allows: no server listens on them.
const ALWAYS_REFUSED: ReadonlySet<AddressClass> = new Set([
  'unspecified',
  'multicast',
  'not_an_address',
]);
// An XML declaration and comments may come first; then the root element (never <!DOCTYPE>).
const XML_ROOT =
  /^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s/>]/;

/** Where one request goes: the URL and its host without IPv6 brackets. */
interface Target {
  url: URL;
  host: string;
  /** The first request (the user's URL) or one a redirect led to. */
  viaRedirect: boolean;
}

type Answer = { kind: 'body'; body: Buffer } | { kind: 'redirect'; location: string };

/**
 * Fetches IdP metadata from a URL a tenant gave, without letting that URL reach into the
 * server's own network (SSRF): https only; the host resolved once, every address it has checked
 * (loopback, private, link-local, CGNAT … refused unless SSO_METADATA_ALLOW_PRIVATE_ADDRESSES),
 * and the connection made to the checked address, so a DNS answer that changes between the check
 * and the connect (rebinding) cannot redirect it; at most 3 redirects, each checked the same way;
 * a size and a total time limit; the answer must be XML.
 *
 * node:https rather than fetch: fetch takes no `lookup`, only an undici dispatcher, which would
 * mean a direct dependency on the undici package for what one request option does here.
 */
@Injectable()
export class MetadataUrlFetcher {
  private readonly allowPrivateAddresses: boolean;
  private readonly timeLimitMs: number;
  private readonly maxBytes: number;
  private readonly ca: string[] | undefined;
  private readonly lookupHost: (host: string) => Promise<LookupAddress[]>;

  constructor(
    config: ConfigService<EnvironmentVariables, true>,
    @Optional() @Inject(METADATA_FETCH_OPTIONS) options: MetadataFetchOptions | null = null,
  ) {
    this.allowPrivateAddresses = config.get('SSO_METADATA_ALLOW_PRIVATE_ADDRESSES', {
      infer: true,
    });
    this.timeLimitMs = options?.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
    this.maxBytes = options?.maxBytes ?? DEFAULT_MAX_BYTES;
    const trusted = options?.trustedCa;
    this.ca = trusted === undefined ? undefined : [...rootCertificates, ...[trusted].flat()];
    this.lookupHost =
      options?.lookup ?? ((host) => systemLookup(host, { all: true, verbatim: true }));
  }

  /** The metadata document's text; MetadataFetchRefused (with the reason) when not fetched. */
  async fetch(url: string): Promise<string> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.timeLimitMs);
    try {
      let target = parseTarget(url, null);
      for (let redirects = 0; ; redirects++) {
        const address = await untilAborted(this.checkedAddress(target), deadline.signal);
        const answer = await this.get(target, address, deadline.signal);
        if (answer.kind === 'body') return this.metadataText(answer.body);
        if (redirects === MAX_REDIRECTS) {
          throw new MetadataFetchRefused(
            `The metadata URL redirects more than ${MAX_REDIRECTS} times`,
          );
        }
        target = parseTarget(answer.location, target.url);
      }
    } catch (error) {
      if (error instanceof MetadataFetchRefused) throw error;
      if (deadline.signal.aborted) {
        throw new MetadataFetchRefused(
          `The metadata URL did not answer within ${this.timeLimitMs / 1000} s`,
        );
      }
      throw new MetadataFetchRefused(
        `The metadata URL could not be fetched: ${networkReason(error)}`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** The one address the request will connect to, after every address of the host passed. */
  private async checkedAddress(target: Target): Promise<LookupAddress> {
    const literal = isIP(target.host);
    let addresses: LookupAddress[];
    if (literal !== 0) {
      addresses = [{ address: target.host, family: literal }];
    } else {
      try {
        addresses = await this.lookupHost(target.host);
      } catch {
        addresses = [];
      }
      if (addresses.length === 0) {
        throw new MetadataFetchRefused(
          target.viaRedirect
            ? 'The metadata URL redirects to a host that does not resolve'
            : `The metadata URL's host ${target.host} does not resolve`,
        );
      }
    }
    // Every address, not only the first: otherwise a host with one public and one private
    // address would pass here and might be reached on the other one by a later change.
    for (const { address } of addresses) {
      const kind = classifyAddress(address);
      if (this.allows(kind)) continue;
      const description = ADDRESS_CLASS_DESCRIPTIONS[kind as Exclude<AddressClass, 'public'>];
      const where = target.viaRedirect
        ? `redirects to ${literal ? '' : 'a host that resolves to '}${description}`
        : `host ${target.host} ${literal ? 'is' : 'resolves to'} ${description}`;
      throw new MetadataFetchRefused(
        `The metadata URL${target.viaRedirect ? '' : "'s"} ${where}; only public addresses are allowed`,
      );
    }
    return addresses[0];
  }

  private allows(kind: AddressClass): boolean {
    if (kind === 'public') return true;
    return this.allowPrivateAddresses && !ALWAYS_REFUSED.has(kind);
  }

  /** One GET to the checked address; the body is read up to the size limit. */
  private get(target: Target, address: LookupAddress, signal: AbortSignal): Promise<Answer> {
    // Whatever name the URL has, the socket connects to the address checked above; TLS still
    // verifies the certificate against the name.
    const pinned: LookupFunction = (_hostname, options, callback) => {
      if (options.all) callback(null, [address]);
      else callback(null, address.address, address.family);
    };
    return new Promise<Answer>((resolve, reject) => {
      const request = httpsRequest(
        {
          hostname: target.host,
          port: target.url.port === '' ? 443 : Number(target.url.port),
          path: `${target.url.pathname}${target.url.search}`,
          method: 'GET',
          headers: { accept: ACCEPT, 'user-agent': 'Tessera SAML metadata fetcher' },
          // A connection of its own: never one a pool opened to another address.
          agent: false,
          lookup: pinned,
          ca: this.ca,
          signal,
        },
        (response) => {
          try {
            this.readAnswer(response, request.destroy.bind(request), resolve, reject);
          } catch (error) {
            request.destroy();
            reject(error as Error);
          }
        },
      );
      request.on('error', reject);
      request.end();
    });
  }

  private readAnswer(
    response: IncomingMessage,
    close: () => void,
    resolve: (answer: Answer) => void,
    reject: (error: Error) => void,
  ): void {
    const status = response.statusCode ?? 0;
    if (REDIRECT_STATUSES.has(status)) {
      const location = response.headers.location;
      close();
      if (location === undefined || location === '') {
        throw new MetadataFetchRefused('The metadata URL answered a redirect without a Location');
      }
      resolve({ kind: 'redirect', location });
      return;
    }
    if (status !== 200) {
      close();
      throw new MetadataFetchRefused(`The metadata URL answered HTTP ${status}, not 200`);
    }
    const encoding = response.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      throw new MetadataFetchRefused(
        'The metadata URL answered with a content encoding although none was asked for',
      );
    }
    if (/html/i.test(response.headers['content-type'] ?? '')) throw notXml();
    const tooLarge = new MetadataFetchRefused(
      `The metadata at the URL is larger than ${formatSize(this.maxBytes)}`,
    );
    if (Number(response.headers['content-length'] ?? 0) > this.maxBytes) throw tooLarge;

    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > this.maxBytes) {
        close();
        reject(tooLarge);
      } else {
        chunks.push(chunk);
      }
    });
    response.on('end', () => resolve({ kind: 'body', body: Buffer.concat(chunks) }));
    response.on('error', reject);
  }

  private metadataText(body: Buffer): string {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      throw new MetadataFetchRefused('The metadata URL did not return UTF-8 text');
    }
    const root = XML_ROOT.exec(text);
    if (root === null || root[1].toLowerCase() === 'html') throw notXml();
    return text;
  }
}

/**
 * The URL as a request target: https only, no credentials in it. `base` is the URL that
 * redirected here (a Location may be relative), null for the user's own URL.
 */
function parseTarget(text: string, base: URL | null): Target {
  const viaRedirect = base !== null;
  const refuse = (given: string, redirected: string) =>
    new MetadataFetchRefused(`The metadata URL ${viaRedirect ? redirected : given}`);
  let url: URL;
  try {
    url = base === null ? new URL(text) : new URL(text, base);
  } catch {
    throw refuse('is not a valid URL', 'redirects to an invalid URL');
  }
  if (url.protocol !== 'https:') {
    throw refuse('must use https', 'redirects to a URL that is not https; only https is allowed');
  }
  if (url.username !== '' || url.password !== '') {
    throw refuse(
      'must not contain a user name or password',
      'redirects to a URL with a user name or password in it',
    );
  }
  return { url, host: url.hostname.replace(/^\[(.*)\]$/, '$1'), viaRedirect };
}

/** Rejects as soon as the signal aborts (a DNS lookup cannot be cancelled, only abandoned). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

function notXml(): MetadataFetchRefused {
  return new MetadataFetchRefused(
    'The metadata URL did not return an XML document (an HTML page or something else)',
  );
}

/** Words for a network failure; the system's message is not used, it names addresses. */
function networkReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (code === 'ECONNREFUSED') return 'the connection was refused';
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return 'the host could not be reached';
  }
  if (code.startsWith('ERR_TLS') || /CERT|SELF_SIGNED|UNABLE_TO/.test(code)) {
    return `its TLS certificate was not accepted (${code})`;
  }
  if (code.startsWith('ERR_SSL') || code === 'EPROTO') return 'the TLS handshake failed';
  return 'the connection failed';
}

function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes} bytes`;
}
