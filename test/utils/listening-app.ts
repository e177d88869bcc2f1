import { createTestApp, TestApp, TestAppOptions } from './create-app';
import { freePort } from './free-port';

export interface ListeningTestApp extends TestApp {
  /** `http://127.0.0.1:<port>`: where it listens, and its TESSERA_ISSUER. */
  url: string;
}

/**
 * The real app listening on a loopback port, its issuer that address: for clients that talk
 * HTTP to it (the SDK, a resource server fetching its JWKS) and tokens whose `iss` they check.
 */
export async function createListeningApp(
  env: Record<string, string | undefined> = {},
  options: TestAppOptions = {},
): Promise<ListeningTestApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t = await createTestApp({ TESSERA_ISSUER: url, ...env }, options);
  await t.app.listen(port, '127.0.0.1');
  return { ...t, url };
}
