import Fastify from 'fastify';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import {
  PRESENTED_CREDENTIAL,
  PRESENTED_CREDENTIAL_HEADER,
  presenting,
  verifiedBy,
} from './run-strategy';

describe('presenting', () => {
  it('shows a strategy the credential under one header, the request’s own headers beside it, and changes nothing', async () => {
    const app = Fastify();
    app.get('/', async (request) => {
      const view = presenting(request, 'tk_live_presented');
      const apiKeys = new HeaderAPIKeyStrategy(
        { header: PRESENTED_CREDENTIAL_HEADER, prefix: '' },
        false,
        (key: string, done: (error: Error | null, user?: object) => void) => done(null, { key }),
      );
      return {
        presented: view.headers[PRESENTED_CREDENTIAL_HEADER],
        symbol: (view as unknown as Record<symbol, unknown>)[PRESENTED_CREDENTIAL],
        userAgent: view.headers['user-agent'],
        url: view.url,
        verified: await verifiedBy(apiKeys, view),
        requestUntouched: request.headers[PRESENTED_CREDENTIAL_HEADER] === undefined,
      };
    });
    const answer = await app.inject({
      url: '/',
      headers: { 'user-agent': 'probe/1', 'x-api-key': 'tk_live_sent' },
    });
    expect(answer.json()).toEqual({
      presented: 'tk_live_presented',
      symbol: 'tk_live_presented',
      userAgent: 'probe/1',
      url: '/',
      verified: { key: 'tk_live_presented' },
      requestUntouched: true,
    });
    await app.close();
  });
});
