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
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
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
});
