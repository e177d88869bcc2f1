import { DataSource } from 'typeorm';
import type { TestApp } from './create-app';

/** The SQL statements the app sent its database while `body` ran (TypeORM's query logger). */
export async function queriesDuring(t: TestApp, body: () => Promise<unknown>): Promise<string[]> {
  const spy = jest.spyOn(t.app.get(DataSource).logger, 'logQuery');
  try {
    await body();
    return spy.mock.calls.map(([sql]) => String(sql));
  } finally {
    spy.mockRestore();
  }
}

/** Look-ups of an API key by its hash, among `queries`. */
export function keyLookUps(queries: string[]): string[] {
  return queries.filter((sql) => /^SELECT[\s\S]*\bWHERE\b[\s\S]*key_hash/i.test(sql));
}
