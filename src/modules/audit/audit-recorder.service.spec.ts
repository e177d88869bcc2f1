import type { ConfigService } from '@nestjs/config';
import type { EnvironmentVariables } from '../../config/env.schema';
import { AUDIT_ACTIONS } from './audit-actions';
import { AuditRecord, AuditRecorder } from './audit-recorder.service';
import type { AuditWriter } from './audit-writer';

/** The recorder with a writer that only keeps what it is given. */
function recorderKeepingEvents() {
  const events: { action: string; metadata: Record<string, unknown> }[] = [];
  const writer = {
    enqueue: (event: { action: string; metadata: string }) =>
      events.push({ action: event.action, metadata: JSON.parse(event.metadata) }),
  } as unknown as AuditWriter;
  const config = { get: () => 10 } as unknown as ConfigService<EnvironmentVariables, true>;
  return { recorder: new AuditRecorder(writer, config), events };
}

describe('AuditRecorder.recordSampled', () => {
  it('makes the event only when it is written: a left-out refusal builds nothing', () => {
    const { recorder, events } = recorderKeepingEvents();
    let built = 0;
    const event = (): AuditRecord => {
      built += 1;
      return { organizationId: null, outcome: 'denied', metadata: { limit: 'api_key' } };
    };
    for (let i = 0; i < 1000; i++) {
      recorder.recordSampled('rate-limited:api_key:key_1', AUDIT_ACTIONS.rateLimited, event);
    }
    expect(built).toBe(1);
    expect(events).toHaveLength(1);
    expect(events[0].metadata).toMatchObject({
      limit: 'api_key',
      sampled: true,
      suppressed_in_previous_window: 0,
    });
  });
});
