import { createHash } from 'node:crypto';

/** The `prev_hash` of the first event of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level and no whitespace: one text per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The fields an event's hash covers: everything it says, its place in the chain, its predecessor. */
export interface ChainedFields {
  id: string;
  chain: string;
  seq: number;
  occurred_at: string;
  organization_id: string | null;
  actor: { type: string; id: string | null; ip: string | null; user_agent: string | null };
  action: string;
  target: { type: string | null; id: string | null };
  outcome: string;
  request_id: string | null;
  metadata: Record<string, unknown>;
  prev_hash: string;
}

export function eventHash(fields: ChainedFields): string {
  return createHash('sha256').update(canonicalJson(fields)).digest('hex');
}

/** Keys whose values are secrets and never belong in an event, whoever passes them. */
const SECRET_FIELD = /pass(word)?|secret|token|^key$|api_?key|assertion|mfa_code|^code$|private/i;

export function withoutSecrets(metadata: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(metadata)
      .filter(([key]) => !SECRET_FIELD.test(key))
      .map(([key, value]) => [key, withoutSecretsIn(value)]),
  );
}

/** Objects at any depth, including inside arrays (`{ keys: [{ key: ... }] }`). */
function withoutSecretsIn(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecretsIn);
  if (value && typeof value === 'object') return withoutSecrets(value as Record<string, unknown>);
  return value;
}
