import 'reflect-metadata';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Writable } from 'node:stream';
import { createApp, CreateAppOptions } from '../../src/app.factory';
import { testEnvironment } from './test-env';

/** Every JSON line the app logged, for tests that read logs. */
export class CapturedLogs extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }

  entries(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Responses the app answered with a 5xx; every suite asserts there are none it did not expect. */
  serverErrors(): Record<string, unknown>[] {
    return this.entries().filter((entry) => {
      const status = (entry.res as { status_code?: number } | undefined)?.status_code;
      return typeof status === 'number' && status >= 500;
    });
  }
}

export interface TestApp {
  app: NestFastifyApplication;
  http: ReturnType<NestFastifyApplication['getHttpServer']>;
  logs: CapturedLogs;
  close(): Promise<void>;
}

/** What a suite may add to the real app: a clock it moves, test-only modules. */
export type TestAppOptions = Pick<
  CreateAppOptions,
  'clock' | 'extraModules' | 'directVerifyRoute' | 'fastLane' | 'directRoutes'
>;

/** Boots the real application (same factory as main.ts) on a real database for one suite. */
export async function createTestApp(
  env: Record<string, string | undefined> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const logs = new CapturedLogs();
  const app = await createApp({ env: testEnvironment(env), logStream: logs, ...options });
  return {
    app,
    http: app.getHttpServer(),
    logs,
    close: () => app.close(),
  };
}

/**
 * Runs `run` against an app of its own (for settings the suite's app does not have), then checks
 * that it answered no 5xx, as every suite's afterAll does, and closes it whatever happened.
 */
export async function withTestApp(
  env: Record<string, string | undefined>,
  run: (app: TestApp) => Promise<void>,
  options: TestAppOptions = {},
): Promise<void> {
  const own = await createTestApp(env, options);
  try {
    await run(own);
    expect(own.logs.serverErrors()).toEqual([]);
  } finally {
    await own.close();
  }
}
