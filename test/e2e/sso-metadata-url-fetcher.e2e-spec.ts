import { Test } from '@nestjs/testing';
import { ConfigService } from '@nestjs/config';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, Server } from 'node:https';
import { AddressInfo } from 'node:net';
import { EnvironmentVariables, validateEnvironment } from '../../src/config/env.schema';
import { environmentConfigModule } from '../../src/config/environment-config';
import {
  METADATA_FETCH_OPTIONS,
  MetadataFetchOptions,
  MetadataFetchRefused,
  MetadataUrlFetcher,
} from '../../src/modules/sso/metadata/metadata-url-fetcher';
import { selfSignedCertificate } from '../utils/self-signed-certificate';

/**
 * The IdP metadata fetcher against real HTTPS servers on 127.0.0.1 with a certificate made here
 * (trusted through the fetcher's test-only `trustedCa`). Loopback is refused by default, so most
 * tests run with SSO_METADATA_ALLOW_PRIVATE_ADDRESSES=true and check the other rules.
 */

const METADATA = `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.test/metadata">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/>
</md:EntityDescriptor>
`;

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const certificate = selfSignedCertificate('idp.test', [
  'IP:127.0.0.1',
  'DNS:idp.test',
  'DNS:other.test',
  'DNS:localhost',
]);
const routes = new Map<string, Handler>();
const requests: string[] = [];
let server: Server;
let port: number;

function fetcher(allowPrivate: boolean, options: MetadataFetchOptions = {}): MetadataUrlFetcher {
  const env = validateEnvironment({ SSO_METADATA_ALLOW_PRIVATE_ADDRESSES: String(allowPrivate) });
  return new MetadataUrlFetcher(new ConfigService<EnvironmentVariables, true>(env), {
    trustedCa: certificate.certificatePem,
    ...options,
  });
}

/** The refusal's message; fails the test when the fetch succeeded or failed otherwise. */
async function refusal(promise: Promise<string>): Promise<string> {
  const error: unknown = await promise.then(
    () => new Error('fetched, expected a refusal'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MetadataFetchRefused);
  return (error as Error).message;
}

const xml: Handler = (_request, response) => {
  response.writeHead(200, { 'content-type': 'application/samlmetadata+xml' });
  response.end(METADATA);
};

beforeAll(async () => {
  server = createServer(
    { key: certificate.privateKeyPem, cert: certificate.certificatePem },
    (request, response) => {
      requests.push(`${request.headers.host} ${request.url}`);
      const handler = routes.get(request.url ?? '');
      if (handler === undefined) {
        response.writeHead(404).end();
        return;
      }
      handler(request, response);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  routes.set('/metadata', xml);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests.length = 0;
});

describe('the address rules', () => {
  it('refuses a loopback URL by default, without connecting to it', async () => {
    const message = await refusal(fetcher(false).fetch(`https://127.0.0.1:${port}/metadata`));
    expect(message).toBe(
      "The metadata URL's host 127.0.0.1 is a loopback address; only public addresses are allowed",
    );
    expect(requests).toEqual([]);
  });

  it('refuses every other spelling of a loopback host by default', async () => {
    const cases: [string, string][] = [
      [`https://localhost:${port}/metadata`, 'host localhost resolves to a loopback address'],
      [`https://[::1]:${port}/metadata`, 'host ::1 is a loopback address'],
      [`https://[::ffff:127.0.0.1]:${port}/metadata`, 'host ::ffff:7f00:1 is a loopback address'],
      [`https://2130706433:${port}/metadata`, 'host 127.0.0.1 is a loopback address'],
      [`https://0177.0.0.1:${port}/metadata`, 'host 127.0.0.1 is a loopback address'],
      [`https://0:${port}/metadata`, 'host 0.0.0.0 is the unspecified address'],
      ['https://169.254.169.254/latest/meta-data/', 'host 169.254.169.254 is a link-local address'],
      ['https://10.1.2.3/metadata', 'host 10.1.2.3 is a private network address'],
      ['https://100.64.0.1/metadata', 'is a carrier-grade NAT (shared) address'],
      ['https://[fd00::1]/metadata', 'host fd00::1 is a private network address'],
      ['https://[fe80::1]/metadata', 'host fe80::1 is a link-local address'],
    ];
    for (const [url, reason] of cases) {
      expect([url, await refusal(fetcher(false).fetch(url))]).toEqual([
        url,
        expect.stringContaining(reason),
      ]);
    }
    expect(requests).toEqual([]);
  });

  it('fetches from loopback when the operator allows private addresses', async () => {
    await expect(fetcher(true).fetch(`https://127.0.0.1:${port}/metadata`)).resolves.toBe(METADATA);
    await expect(fetcher(true).fetch(`https://localhost:${port}/metadata`)).resolves.toBe(METADATA);
  });

  it('still refuses the unspecified address when private addresses are allowed', async () => {
    expect(await refusal(fetcher(true).fetch(`https://0.0.0.0:${port}/metadata`))).toContain(
      'the unspecified address',
    );
    expect(requests).toEqual([]);
  });

  it('refuses a host with any non-public address, naming none of them', async () => {
    const lookup = () =>
      Promise.resolve([
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.7', family: 4 },
      ]);
    const message = await refusal(fetcher(false, { lookup }).fetch('https://idp.test/metadata'));
    expect(message).toBe(
      "The metadata URL's host idp.test resolves to a private network address; only public addresses are allowed",
    );
    expect(message).not.toContain('10.0.0.7');
  });

  it('connects to the address it checked, never resolving the name a second time', async () => {
    // idp.test exists only in this lookup: the connection can only have used its answer.
    const asked: string[] = [];
    const lookup = (host: string) => {
      asked.push(host);
      return Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    };
    routes.set('/hop', (_request, response) => {
      response.writeHead(302, { location: `https://other.test:${port}/metadata` }).end();
    });
    await expect(fetcher(true, { lookup }).fetch(`https://idp.test:${port}/hop`)).resolves.toBe(
      METADATA,
    );
    expect(asked).toEqual(['idp.test', 'other.test']);
    // The certificate was verified against the name, and the Host header carries it.
    expect(requests).toEqual([`idp.test:${port} /hop`, `other.test:${port} /metadata`]);
  });

  it('refuses a name that does not resolve', async () => {
    const lookup = () => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
    expect(await refusal(fetcher(true, { lookup }).fetch('https://idp.invalid/m'))).toBe(
      "The metadata URL's host idp.invalid does not resolve",
    );
  });
});

describe('as a Nest provider', () => {
  async function providedFetcher(env: Record<string, string>, withOptions: boolean) {
    const moduleRef = await Test.createTestingModule({
      imports: [environmentConfigModule(validateEnvironment(env))],
      providers: [
        MetadataUrlFetcher,
        ...(withOptions
          ? [
              {
                provide: METADATA_FETCH_OPTIONS,
                useValue: { trustedCa: certificate.certificatePem },
              },
            ]
          : []),
      ],
    }).compile();
    return moduleRef.get(MetadataUrlFetcher);
  }

  it('reads the operator setting from the validated environment (off unless set)', async () => {
    const byDefault = await providedFetcher({}, false);
    expect(await refusal(byDefault.fetch(`https://127.0.0.1:${port}/metadata`))).toContain(
      'is a loopback address',
    );
    const allowing = await providedFetcher({ SSO_METADATA_ALLOW_PRIVATE_ADDRESSES: 'true' }, true);
    await expect(allowing.fetch(`https://127.0.0.1:${port}/metadata`)).resolves.toBe(METADATA);
  });
});

describe('the URL rules', () => {
  it.each([
    ['http://127.0.0.1/metadata', 'The metadata URL must use https'],
    ['ftp://idp.test/metadata', 'The metadata URL must use https'],
    ['file:///etc/passwd', 'The metadata URL must use https'],
    ['not a url', 'The metadata URL is not a valid URL'],
    ['https://user:pw@idp.test/m', 'The metadata URL must not contain a user name or password'],
  ])('refuses %s', async (url, reason) => {
    expect(await refusal(fetcher(true).fetch(url))).toBe(reason);
  });

  it('refuses a certificate it does not trust', async () => {
    const untrusting = new MetadataUrlFetcher(
      new ConfigService<EnvironmentVariables, true>(
        validateEnvironment({ SSO_METADATA_ALLOW_PRIVATE_ADDRESSES: 'true' }),
      ),
    );
    expect(await refusal(untrusting.fetch(`https://127.0.0.1:${port}/metadata`))).toMatch(
      /^The metadata URL could not be fetched: its TLS certificate was not accepted \(\w+\)$/,
    );
  });
});

describe('redirects', () => {
  it('follows up to 3 redirects, relative ones too', async () => {
    routes.set('/r1', (_q, r) => r.writeHead(301, { location: '/r2' }).end());
    routes.set('/r2', (_q, r) =>
      r.writeHead(307, { location: `https://localhost:${port}/r3` }).end(),
    );
    routes.set('/r3', (_q, r) => r.writeHead(308, { location: 'metadata' }).end());
    await expect(fetcher(true).fetch(`https://127.0.0.1:${port}/r1`)).resolves.toBe(METADATA);
    expect(requests).toHaveLength(4);
  });

  it('refuses a fourth redirect', async () => {
    routes.set('/loop', (_q, r) => r.writeHead(302, { location: '/loop' }).end());
    expect(await refusal(fetcher(true).fetch(`https://127.0.0.1:${port}/loop`))).toBe(
      'The metadata URL redirects more than 3 times',
    );
    expect(requests).toHaveLength(4);
  });

  it('refuses a redirect to plain http', async () => {
    routes.set('/to-http', (_q, r) =>
      r.writeHead(302, { location: `http://127.0.0.1:${port}/metadata` }).end(),
    );
    expect(await refusal(fetcher(true).fetch(`https://127.0.0.1:${port}/to-http`))).toBe(
      'The metadata URL redirects to a URL that is not https; only https is allowed',
    );
  });

  it('refuses a redirect to an address the rules refuse, without naming it', async () => {
    routes.set('/to-unspecified', (_q, r) =>
      r.writeHead(302, { location: `https://0.0.0.0:${port}/metadata` }).end(),
    );
    const message = await refusal(fetcher(true).fetch(`https://127.0.0.1:${port}/to-unspecified`));
    expect(message).toBe(
      'The metadata URL redirects to the unspecified address; only public addresses are allowed',
    );
    expect(requests).toEqual([`127.0.0.1:${port} /to-unspecified`]);
  });

  it('refuses a redirect to a name that resolves to a refused address', async () => {
    const lookup = (host: string) =>
      Promise.resolve([{ address: host === 'idp.test' ? '127.0.0.1' : '224.0.0.1', family: 4 }]);
    routes.set('/to-multicast', (_q, r) =>
      r.writeHead(302, { location: `https://other.test:${port}/metadata` }).end(),
    );
    expect(
      await refusal(fetcher(true, { lookup }).fetch(`https://idp.test:${port}/to-multicast`)),
    ).toBe(
      'The metadata URL redirects to a host that resolves to a multicast address; only public addresses are allowed',
    );
  });
});

describe('the answer', () => {
  it('refuses more than 1 MB, streamed without a length, and stops reading', async () => {
    let resolveClosed: (early: boolean) => void;
    const closedEarly = new Promise<boolean>((resolve) => (resolveClosed = resolve));
    routes.set('/huge', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/xml' });
      response.write('<?xml version="1.0"?><md:EntityDescriptor>');
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const pump = () => {
        // Up to 4 MB: the fetcher must hang up long before.
        while (sent < 64 && response.write(chunk)) sent++;
        if (sent < 64) response.once('drain', pump);
        else response.end('</md:EntityDescriptor>');
      };
      response.on('close', () => resolveClosed(!response.writableFinished));
      pump();
    });
    expect(await refusal(fetcher(true).fetch(`https://127.0.0.1:${port}/huge`))).toBe(
      'The metadata at the URL is larger than 1 MB',
    );
    // Once the server has seen the connection close: a fixed wait could run out first.
    expect(await closedEarly).toBe(true);
  });

  it('refuses a Content-Length over the limit before reading the body', async () => {
    routes.set('/long', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/xml', 'content-length': 2_000_000 });
      response.write(METADATA);
    });
    expect(await refusal(fetcher(true).fetch(`https://127.0.0.1:${port}/long`))).toBe(
      'The metadata at the URL is larger than 1 MB',
    );
  });

  it('accepts a document of exactly the limit', async () => {
    const padded = METADATA + ' '.repeat(1024 * 1024 - Buffer.byteLength(METADATA));
    routes.set('/exact', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/xml' });
      response.end(padded);
    });
    await expect(fetcher(true).fetch(`https://127.0.0.1:${port}/exact`)).resolves.toBe(padded);
  });

  it('gives up at the time limit on a server that never answers', async () => {
    routes.set('/silent', () => undefined);
    expect(
      await refusal(fetcher(true, { timeLimitMs: 300 }).fetch(`https://127.0.0.1:${port}/silent`)),
    ).toBe('The metadata URL did not answer within 0.3 s');
  });

  it('gives up at the time limit on a server that sends its body too slowly', async () => {
    routes.set('/trickle', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/xml' });
      response.write('<?xml version="1.0"?>');
      const timer = setInterval(() => response.write(' '), 50);
      response.on('close', () => clearInterval(timer));
    });
    expect(
      await refusal(fetcher(true, { timeLimitMs: 300 }).fetch(`https://127.0.0.1:${port}/trickle`)),
    ).toBe('The metadata URL did not answer within 0.3 s');
  });

  it('uses a total time limit, not one per redirect', async () => {
    routes.set('/slow-hop', (_request, response) => {
      setTimeout(() => response.writeHead(302, { location: '/slow-hop' }).end(), 120);
    });
    expect(
      await refusal(
        fetcher(true, { timeLimitMs: 300 }).fetch(`https://127.0.0.1:${port}/slow-hop`),
      ),
    ).toBe('The metadata URL did not answer within 0.3 s');
  });

  it.each([
    ['an HTML page', 'text/html; charset=utf-8', METADATA],
    ['HTML labelled as XML', 'application/xml', '<!DOCTYPE html><html><body>Sign in</body></html>'],
    ['an html root element', 'text/xml', '<?xml version="1.0"?><html><body/></html>'],
    ['a DOCTYPE', 'application/xml', '<!DOCTYPE md [<!ENTITY x "y">]><md:EntityDescriptor/>'],
    ['JSON', 'application/json', '{"entityID": "https://idp.test"}'],
    ['nothing', 'application/xml', ''],
  ])('refuses %s', async (_name, type, body) => {
    routes.set('/other', (_request, response) => {
      response.writeHead(200, { 'content-type': type });
      response.end(body);
    });
    expect(await refusal(fetcher(true).fetch(`https://127.0.0.1:${port}/other`))).toBe(
      'The metadata URL did not return an XML document (an HTML page or something else)',
    );
  });

  it('refuses text that is not UTF-8', async () => {
    routes.set('/latin1', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/xml' });
      response.end(
        Buffer.from('<?xml version="1.0"?><md:EntityDescriptor name="\xe9"/>', 'latin1'),
      );
    });
    expect(await refusal(fetcher(true).fetch(`https://127.0.0.1:${port}/latin1`))).toBe(
      'The metadata URL did not return UTF-8 text',
    );
  });

  it('refuses an error status, naming it', async () => {
    expect(await refusal(fetcher(true).fetch(`https://127.0.0.1:${port}/missing`))).toBe(
      'The metadata URL answered HTTP 404, not 200',
    );
  });

  it('refuses a connection nobody accepts without naming the address', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    expect(await refusal(fetcher(true).fetch(`https://localhost:${closed}/metadata`))).toBe(
      'The metadata URL could not be fetched: the connection was refused',
    );
  });
});
