import {
  canonicalJson,
  ChainedFields,
  eventHash,
  GENESIS_HASH,
  withoutSecrets,
} from './audit-chain';

const event = (overrides: Partial<ChainedFields> = {}): ChainedFields => ({
  id: 'evt_1',
  chain: 'org-1',
  seq: 1,
  occurred_at: '2026-11-23T07:00:00.000Z',
  organization_id: 'org-1',
  actor: { type: 'user', id: 'u1', ip: '127.0.0.1', user_agent: null },
  action: 'api_key.created',
  target: { type: 'api_key', id: 'key_1' },
  outcome: 'success',
  request_id: 'r1',
  metadata: { name: 'worker', scopes: ['a', 'b'] },
  prev_hash: GENESIS_HASH,
  ...overrides,
});

describe('audit hash chain', () => {
  it('serialises objects the same whatever their key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
  });

  it('changes the hash when any field or the predecessor changes', () => {
    const base = eventHash(event());
    expect(eventHash(event())).toBe(base);
    expect(eventHash(event({ outcome: 'failure' }))).not.toBe(base);
    expect(eventHash(event({ metadata: { name: 'worker', scopes: ['a'] } }))).not.toBe(base);
    expect(eventHash(event({ prev_hash: 'f'.repeat(64) }))).not.toBe(base);
    expect(eventHash(event({ seq: 2 }))).not.toBe(base);
  });

  it('drops secret-looking fields from metadata, at any depth', () => {
    expect(
      withoutSecrets({
        name: 'k',
        key: 'tk_live_x',
        password: 'p',
        nested: { refresh_token: 'rt', ok: 1 },
        scopes: ['a'],
      }),
    ).toEqual({ name: 'k', nested: { ok: 1 }, scopes: ['a'] });
  });

  it('drops them inside arrays too', () => {
    expect(
      withoutSecrets({
        rotated: [
          { id: 'key_1', key: 'tk_live_x' },
          { id: 'key_2', secret: 's' },
        ],
        grid: [[{ client_secret: 'cs', ok: true }]],
      }),
    ).toEqual({ rotated: [{ id: 'key_1' }, { id: 'key_2' }], grid: [[{ ok: true }]] });
  });
});
