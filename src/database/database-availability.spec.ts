import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DataSource } from 'typeorm';
import { EnvironmentVariables } from '../config/env.schema';
import { DatabaseAvailability } from './database-availability';

/** A DataSource whose `SELECT 1` answers, fails or hangs as the test says. */
function fakeDatabase(initial: 'answers' | 'refuses' | 'hangs') {
  const state = { mode: initial, queries: 0 };
  const dataSource = {
    isInitialized: true,
    query: () => {
      state.queries += 1;
      if (state.mode === 'answers') return Promise.resolve([{ 1: 1 }]);
      if (state.mode === 'refuses')
        return Promise.reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
      return new Promise(() => undefined);
    },
  } as unknown as DataSource;
  const config = { get: () => 300 } as unknown as ConfigService<EnvironmentVariables, true>;
  return { state, availability: new DatabaseAvailability(dataSource, config) };
}

const unreachable = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

describe('DatabaseAvailability', () => {
  /** What it logged, level and message, in order. */
  let logged: { level: string; message: string; fields: Record<string, unknown> }[];
  beforeEach(() => {
    logged = [];
    for (const level of ['error', 'warn', 'log'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
        const [fields, message] = args;
        logged.push({
          level,
          message: String(message),
          fields: fields as Record<string, unknown>,
        });
      });
    }
  });
  afterEach(() => jest.restoreAllMocks());

  it('after a failure that says the database cannot be reached, wakes waiters and listeners at its first answer', async () => {
    const { state, availability } = fakeDatabase('refuses');
    const recovered = jest.fn();
    availability.onRecovery(recovered);
    try {
      expect(availability.isDown()).toBe(false);
      const back = availability.failed(unreachable);
      expect(back).not.toBeNull();
      expect(availability.isDown()).toBe(true);
      // The same outage: one promise, one probe loop.
      expect(availability.failed(unreachable)).toBe(back);
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(state.queries).toBeGreaterThan(0);
      expect(recovered).not.toHaveBeenCalled();
      state.mode = 'answers';
      const started = Date.now();
      await back;
      expect(Date.now() - started).toBeLessThan(1000);
      expect(recovered).toHaveBeenCalledTimes(1);
      expect(availability.isDown()).toBe(false);
    } finally {
      availability.onApplicationShutdown();
    }
  });

  it('takes a refusal from a database that answered for no outage: nothing to probe', () => {
    const { state, availability } = fakeDatabase('answers');
    const duplicate = Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY' });
    expect(availability.failed(duplicate)).toBeNull();
    expect(availability.isDown()).toBe(false);
    expect(state.queries).toBe(0);
  });

  it('reports a database that does not answer within the probe timeout as down', async () => {
    const { availability } = fakeDatabase('hangs');
    try {
      const started = Date.now();
      await expect(availability.probe()).resolves.toBe(false);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      availability.onApplicationShutdown();
    }
  });

  it('logs an outage once, the requests it refused once per interval (300 ms here), and its end', async () => {
    const { state, availability } = fakeDatabase('refuses');
    try {
      for (let i = 0; i < 50; i++) availability.refused(unreachable);
      // Not a sign of an outage: neither counted nor logged.
      availability.refused(Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY' }));
      expect(logged).toEqual([
        {
          level: 'error',
          message: expect.stringMatching(/^Database unavailable/),
          fields: { code: 'ECONNREFUSED' },
        },
      ]);
      await new Promise((resolve) => setTimeout(resolve, 700));
      for (let i = 0; i < 7; i++) availability.refused(unreachable);
      await new Promise((resolve) => setTimeout(resolve, 900));
      const counts = logged.filter((line) => line.level === 'warn');
      expect(counts.length).toBeGreaterThanOrEqual(2);
      expect(counts.length).toBeLessThanOrEqual(6);
      expect(counts[0].message).toMatch(
        /^Database still unavailable after \d+\.\d s: 50 requests refused with 503 in the last \d+\.\d s$/,
      );
      expect(counts[0].fields).toEqual({ unavailable_ms: expect.any(Number), refused: 50 });
      expect(counts.reduce((sum, line) => sum + Number(line.fields.refused), 0)).toBe(57);

      state.mode = 'answers';
      await new Promise((resolve) => setTimeout(resolve, 600));
      const ends = logged.filter((line) => line.level === 'log');
      expect(ends).toEqual([
        {
          level: 'log',
          message: expect.stringMatching(
            /^Database available again after \d+\.\d s; 57 requests refused with 503 while it was unavailable$/,
          ),
          fields: { unavailable_ms: expect.any(Number), refused: 57 },
        },
      ]);
      expect(logged.filter((line) => line.level === 'error')).toHaveLength(1);
    } finally {
      availability.onApplicationShutdown();
    }
  });
});
