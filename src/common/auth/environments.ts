/** The sandboxes a credential can belong to; requests with a `test` key touch no live data. */
export const KEY_ENVIRONMENTS = ['live', 'test', 'dev'] as const;
export type KeyEnvironment = (typeof KEY_ENVIRONMENTS)[number];
