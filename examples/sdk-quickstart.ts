import { isWellFormedApiKey, Tessera, TesseraError } from '@tessera/sdk';

export async function main() {
  // TESSERA_URL, and TESSERA_API_KEY or another credential (see "Credentials" below).
  const tessera = new Tessera();
  const me = await tessera.verify();
  console.log(`${me.principal_type} ${me.subject} in ${me.organization_id}`);

  // Typed from the OpenAPI document: paths, parameters, bodies and answers.
  const { data: key } = await tessera.api.POST('/v1/api-keys', {
    body: { name: 'nightly export', scopes: ['translate:read'], environment: 'test' },
  });
  console.log(key!.start, isWellFormedApiKey(key!.key)); // the checksum is checked offline

  try {
    await tessera.api.DELETE('/v1/api-keys/{id}', { params: { path: { id: 'key_nope' } } });
  } catch (error) {
    if (!(error instanceof TesseraError)) throw error;
    console.log(error.status, error.detail, error.requestId); // 404 API key not found ...
    return { key: key!, error };
  }
}

if (require.main === module) main().catch(console.error);
