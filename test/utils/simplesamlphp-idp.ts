import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { selfSignedCertificate } from './self-signed-certificate';

/**
 * A real SAML 2.0 identity provider for tests: Debian's SimpleSAMLphp 1.19 (`apt-get install
 * simplesamlphp php-cli php-xml php-mbstring`; .ci/run installs it), served by PHP's built-in web
 * server on a free 127.0.0.1 port from a configuration generated here: users with `email` and
 * `groups` attributes (exampleauth:UserPass), a key pair and certificate made for the run, and
 * the service providers it will answer. Responses go out by HTTP-POST, the assertion signed
 * (and the whole response too unless `signResponse: false`).
 *
 *   const idp = await startSimpleSamlPhpIdp({ users: [{ username: 'ada', password: 'pw', email: 'ada@acme.test', groups: ['eng'] }] });
 *   idp.registerServiceProvider({ entityId: spEntityId, acsUrl });   // or `serviceProviders` above
 *   // create the SSO connection from idp.metadataXml (or idp.entityId, idp.ssoUrl, idp.certificatePem)
 *   const form = await signInAtIdp(loginRedirectUrl, { username: 'ada', password: 'pw' });
 *   // POST form.SAMLResponse and form.RelayState to form.action (the ACS); finally idp.stop()
 */

export const SIMPLESAMLPHP_DIR = process.env.SIMPLESAMLPHP_DIR ?? '/usr/share/simplesamlphp';
const PHP = process.env.PHP_BINARY ?? 'php';

export interface IdpUser {
  username: string;
  password: string;
  email: string;
  groups: string[];
  /** Further attributes, each a list of values. */
  attributes?: Record<string, string[]>;
}

export interface IdpServiceProvider {
  entityId: string;
  /** Where the IdP posts its responses (HTTP-POST binding). */
  acsUrl: string;
  /** PEM: when given, the IdP accepts only AuthnRequests signed with the matching key. */
  signingCertificatePem?: string;
}

export interface SimpleSamlPhpIdpOptions {
  users: IdpUser[];
  serviceProviders?: IdpServiceProvider[];
  /** Sign the whole Response besides the assertion (default true); the assertion is always signed. */
  signResponse?: boolean;
}

export interface SimpleSamlPhpIdp {
  /** http://127.0.0.1:<port> (PHP's built-in server speaks no TLS). */
  readonly baseUrl: string;
  readonly entityId: string;
  /** SingleSignOnService, HTTP-Redirect binding. */
  readonly ssoUrl: string;
  readonly metadataUrl: string;
  /** The generated configuration (removed by stop()). */
  readonly directory: string;
  /** The IdP's own metadata document, as it serves it. */
  readonly metadataXml: string;
  readonly certificatePem: string;
  /** The certificate's DER in base64, as in the metadata's X509Certificate. */
  readonly certificateBase64: string;
  /** Lets another SP sign in here from now on (the metadata is read on every request). */
  registerServiceProvider(sp: IdpServiceProvider): void;
  /** What the server and SimpleSAMLphp logged so far (the last 64 KB), for a failing test. */
  log(): string;
  /** Stops the server (its whole process group) and removes the configuration. */
  stop(): Promise<void>;
}

/** Why the IdP cannot run on this machine, or null when it can. */
export function simpleSamlPhpMissing(): string | null {
  try {
    const modules = execFileSync(PHP, ['-m'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const missing = ['dom', 'openssl', 'mbstring', 'session'].filter(
      (name) => !new RegExp(`^${name}$`, 'mi').test(modules),
    );
    if (missing.length > 0)
      return `PHP lacks the ${missing.join(', ')} extension(s) (php-xml, php-mbstring)`;
  } catch {
    return `no ${PHP} binary (apt-get install php-cli)`;
  }
  if (!existsSync(join(SIMPLESAMLPHP_DIR, 'www', '_include.php'))) {
    return `SimpleSAMLphp is not installed in ${SIMPLESAMLPHP_DIR} (apt-get install simplesamlphp)`;
  }
  return null;
}

/**
 * `describe` when SimpleSAMLphp and PHP are installed. Without them a developer machine skips
 * the suite with a message (Jest counts it as skipped); in CI (CI=true) the suite fails instead.
 */
export function describeWithSimpleSamlPhp(name: string, suite: () => void): void {
  const missing = simpleSamlPhpMissing();
  if (missing === null) {
    describe(name, suite);
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      it('needs SimpleSAMLphp', () => {
        throw new Error(`${missing}: the real-IdP tests cannot run in CI without it`);
      });
    });
    return;
  }
  console.warn(`Skipping "${name}": ${missing}`);
  describe.skip(name, suite);
}

export async function startSimpleSamlPhpIdp(
  options: SimpleSamlPhpIdpOptions,
): Promise<SimpleSamlPhpIdp> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-simplesamlphp-'));
  try {
    const certificate = selfSignedCertificate('SimpleSAMLphp test IdP');
    const serviceProviders = [...(options.serviceProviders ?? [])];
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const entityId = `${baseUrl}/saml2/idp/metadata.php`;
      writeConfiguration(dir, { baseUrl, entityId, certificate, options, serviceProviders });
      const server = startPhpServer(dir, port);
      try {
        const metadataXml = await waitForMetadata(server, `${baseUrl}/saml2/idp/metadata.php`);
        return {
          baseUrl,
          entityId,
          ssoUrl: `${baseUrl}/saml2/idp/SSOService.php`,
          metadataUrl: `${baseUrl}/saml2/idp/metadata.php`,
          directory: dir,
          metadataXml,
          certificatePem: certificate.certificatePem,
          certificateBase64: certificate.certificateBase64,
          registerServiceProvider(sp) {
            serviceProviders.push(sp);
            writeServiceProviders(dir, serviceProviders);
          },
          log: () => server.output(),
          stop: async () => {
            await server.stop();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      } catch (error) {
        await server.stop();
        // Another process may have taken the free port before PHP bound it: try another.
        if (attempt < 3 && /Address already in use/.test(server.output())) continue;
        throw error;
      }
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

interface ConfigurationInput {
  baseUrl: string;
  entityId: string;
  certificate: { privateKeyPem: string; certificatePem: string };
  options: SimpleSamlPhpIdpOptions;
  serviceProviders: IdpServiceProvider[];
}

/** config.php, authsources.php and the metadata files, all under `dir`. */
function writeConfiguration(dir: string, input: ConfigurationInput): void {
  for (const sub of ['config', 'metadata', 'cert', 'tmp', 'data', 'sessions']) {
    mkdirSync(join(dir, sub), { recursive: true });
  }
  writeFileSync(join(dir, 'cert', 'idp.key'), input.certificate.privateKeyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'cert', 'idp.crt'), input.certificate.certificatePem);
  const secret = () => execFileSync('openssl', ['rand', '-hex', '24'], { encoding: 'utf8' }).trim();
  phpFile(join(dir, 'config', 'config.php'), 'config', {
    baseurlpath: `${input.baseUrl}/`,
    certdir: join(dir, 'cert') + '/',
    loggingdir: join(dir, 'tmp') + '/',
    datadir: join(dir, 'data') + '/',
    tempdir: join(dir, 'tmp'),
    metadatadir: join(dir, 'metadata') + '/',
    secretsalt: secret(),
    'auth.adminpassword': secret(),
    'admin.protectindexpage': true,
    'admin.protectmetadata': false,
    'admin.checkforupdates': false,
    technicalcontact_name: 'Tessera tests',
    technicalcontact_email: 'tests@example.org',
    timezone: 'UTC',
    // 5 = NOTICE: sign-ins and failures, no debug dumps.
    'logging.level': 5,
    'logging.handler': 'stderr',
    'enable.saml20-idp': true,
    'module.enable': { exampleauth: true, core: true, saml: true },
    // Plain http on 127.0.0.1: cookies must not be Secure, or the next request lacks them.
    'session.cookie.secure': false,
    'session.cookie.samesite': null,
    'language.cookie.secure': false,
    'session.phpsession.savepath': join(dir, 'sessions'),
    'store.type': 'phpsession',
    'metadata.sources': [{ type: 'flatfile' }],
    production: true,
  });
  const users: Record<string, unknown> = {};
  for (const user of input.options.users) {
    users[`${user.username}:${user.password}`] = {
      email: [user.email],
      groups: user.groups,
      ...user.attributes,
    };
  }
  phpFile(join(dir, 'config', 'authsources.php'), 'config', {
    admin: ['core:AdminPassword'],
    users: { 0: 'exampleauth:UserPass', ...users },
  });
  phpFile(join(dir, 'metadata', 'saml20-idp-hosted.php'), 'metadata', {
    [input.entityId]: {
      host: '__DEFAULT__',
      privatekey: 'idp.key',
      certificate: 'idp.crt',
      auth: 'users',
      'saml20.sign.assertion': true,
      'saml20.sign.response': input.options.signResponse ?? true,
      'signature.algorithm': 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      NameIDFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      'simplesaml.nameidattribute': 'email',
      'attributes.NameFormat': 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
    },
  });
  writeServiceProviders(dir, input.serviceProviders);
}

/**
 * The SPs go to a JSON file that saml20-sp-remote.php reads on every request: the built-in
 * server is not the cli SAPI, so OPcache is on and would keep serving a rewritten PHP file
 * from its cache for up to 2 s (opcache.revalidate_freq).
 */
function writeServiceProviders(dir: string, serviceProviders: IdpServiceProvider[]): void {
  const entries: Record<string, unknown> = {};
  for (const sp of serviceProviders) {
    entries[sp.entityId] = {
      AssertionConsumerService: [
        {
          Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
          Location: sp.acsUrl,
          index: 0,
        },
      ],
      NameIDFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      ...(sp.signingCertificatePem === undefined
        ? {}
        : {
            'validate.authnrequest': true,
            certData: sp.signingCertificatePem
              .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
              .replace(/\s+/g, ''),
          }),
    };
  }
  const json = join(dir, 'metadata', 'saml20-sp-remote.json');
  // Renamed into place, so a request never reads half a file.
  writeFileSync(`${json}.new`, JSON.stringify(entries));
  renameSync(`${json}.new`, json);
  writeFileSync(
    join(dir, 'metadata', 'saml20-sp-remote.php'),
    "<?php\n$metadata = json_decode(file_get_contents(__DIR__ . '/saml20-sp-remote.json'), true);\n",
  );
}

/** A PHP file that sets `$<variable> = <value>;`, the value written as PHP literals. */
function phpFile(path: string, variable: string, value: Record<string, unknown>): void {
  const body = Object.entries(value)
    .map(([key, item]) => `$${variable}[${phpLiteral(key)}] = ${phpLiteral(item)};`)
    .join('\n');
  writeFileSync(path, `<?php\n$${variable} = [];\n${body}\n`);
}

function phpLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(phpLiteral).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(
    // Integer keys stay integers (authsources' `0 => 'exampleauth:UserPass'`).
    ([key, item]) => `${/^(0|[1-9]\d*)$/.test(key) ? key : phpLiteral(key)} => ${phpLiteral(item)}`,
  );
  return `[${entries.join(', ')}]`;
}

interface PhpServer {
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

const MAX_LOG_CHARS = 64 * 1024;

/**
 * `php -S` with SimpleSAMLphp's www/ as document root: no router script is needed, the built-in
 * server hands `/module.php/core/loginuserpass.php` to module.php with that PATH_INFO. Its own
 * process group, so stop() leaves nothing behind. Deprecation notices are off: SimpleSAMLphp
 * 1.19's logger calls strftime(), deprecated since PHP 8.1, on every line.
 */
function startPhpServer(dir: string, port: number): PhpServer {
  const child = spawn(
    PHP,
    [
      '-d',
      'error_reporting=E_ALL & ~E_DEPRECATED',
      '-d',
      'display_errors=stderr',
      '-S',
      `127.0.0.1:${port}`,
      '-t',
      join(SIMPLESAMLPHP_DIR, 'www'),
    ],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SIMPLESAMLPHP_CONFIG_DIR: join(dir, 'config') },
    },
  );
  let log = '';
  const append = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-MAX_LOG_CHARS);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    process: child,
    output: () => log,
    stop: async () => {
      const group = child.pid;
      if (child.exitCode !== null || child.signalCode !== null || group === undefined) return;
      const signal = (name: NodeJS.Signals) => {
        try {
          process.kill(-group, name);
        } catch {
          // already gone
        }
      };
      signal('SIGTERM');
      const killer = setTimeout(() => signal('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** The metadata document once the server answers (within 10 s), or the server's log. */
async function waitForMetadata(server: PhpServer, url: string): Promise<string> {
  const giveUp = Date.now() + 10_000;
  let lastProblem = 'no answer';
  while (Date.now() < giveUp) {
    if (server.process.exitCode !== null || server.process.signalCode !== null) {
      throw new Error(`php -S exited before serving SimpleSAMLphp:\n${server.output()}`);
    }
    try {
      const response = await fetch(url);
      const text = await response.text();
      if (response.status === 200 && text.includes('IDPSSODescriptor')) return text;
      lastProblem = `HTTP ${response.status}: ${text.slice(0, 500)}`;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`SimpleSAMLphp did not serve its metadata: ${lastProblem}\n${server.output()}`);
}

/** The IdP's auto-submitted answer, as a browser would post it to the SP's ACS. */
export interface IdpResponseForm {
  /** The form's action: the ACS URL. */
  action: string;
  SAMLResponse: string;
  RelayState: string | null;
}

/**
 * Cookies by host (not port, as browsers keep them): enough for SimpleSAMLphp's session and for
 * an SP that sets one before redirecting to the IdP. `header(url)` gives the Cookie header.
 */
export class CookieJar {
  private readonly byHost = new Map<string, Map<string, string>>();

  store(url: string, setCookies: string[]): void {
    const host = new URL(url).hostname;
    const cookies = this.byHost.get(host) ?? new Map<string, string>();
    for (const line of setCookies) {
      const pair = line.split(';')[0];
      const eq = pair.indexOf('=');
      if (eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    this.byHost.set(host, cookies);
  }

  header(url: string): string {
    const cookies = this.byHost.get(new URL(url).hostname) ?? new Map<string, string>();
    return [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

const MAX_STEPS = 12;

/**
 * Signs a user in as a browser would, over plain HTTP: from `startUrl` (an SP's login URL, or
 * the IdP URL with the SAMLRequest an SP redirected to) it follows redirects, posts the
 * username/password form (with its AuthState) once, and returns the auto-submitting form that
 * carries the SAMLResponse. Wrong credentials, or any other page, throw with its text.
 */
export async function signInAtIdp(
  startUrl: string,
  credentials: { username: string; password: string },
  jar: CookieJar = new CookieJar(),
): Promise<IdpResponseForm> {
  let url = startUrl;
  let post: URLSearchParams | null = null;
  let credentialsSent = false;
  for (let step = 0; step < MAX_STEPS; step++) {
    const response = await fetch(url, {
      method: post === null ? 'GET' : 'POST',
      body: post ?? undefined,
      headers: { cookie: jar.header(url) },
      redirect: 'manual',
    });
    jar.store(url, response.headers.getSetCookie());
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      url = new URL(location, url).href;
      post = null;
      continue;
    }
    const html = await response.text();
    const samlResponse = inputValue(html, 'SAMLResponse');
    if (samlResponse !== null) {
      const action = /<form\b[^>]*\baction="([^"]*)"/i.exec(html);
      if (action === null) throw new Error(`The IdP's response page has no form action:\n${html}`);
      return {
        action: new URL(decodeEntities(action[1]), url).href,
        SAMLResponse: samlResponse,
        RelayState: inputValue(html, 'RelayState'),
      };
    }
    const authState = inputValue(html, 'AuthState');
    if (authState !== null && /name="password"/.test(html) && !credentialsSent) {
      const action = /<form\b[^>]*\baction="([^"]*)"/i.exec(html);
      url = new URL(decodeEntities(action?.[1] ?? '?'), url).href;
      post = new URLSearchParams({
        AuthState: authState,
        username: credentials.username,
        password: credentials.password,
      });
      credentialsSent = true;
      continue;
    }
    throw new Error(
      `The IdP answered HTTP ${response.status} with no SAMLResponse` +
        `${credentialsSent ? ' after the credentials were posted' : ''}: ${pageText(html)}`,
    );
  }
  throw new Error(`No SAMLResponse after ${MAX_STEPS} requests from ${startUrl}`);
}

/** The value of the <input> named `name`, entities decoded; null when there is none. */
function inputValue(html: string, name: string): string | null {
  for (const tag of html.match(/<input\b[^>]*>/gi) ?? []) {
    if (!new RegExp(`\\bname="${name}"`).test(tag)) continue;
    const value = /\bvalue="([^"]*)"/.exec(tag);
    return value === null ? '' : decodeEntities(value[1]);
  }
  return null;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCodePoint(parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** A page's visible text, shortened: enough to see SimpleSAMLphp's error message. */
function pageText(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 800);
}
