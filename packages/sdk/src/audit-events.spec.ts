import { auditEventCount } from './audit-events';
import type { components } from './generated/schema';

const event = (metadata: Record<string, unknown>) =>
  ({ metadata }) as unknown as components['schemas']['AuditEventDto'];

describe('auditEventCount', () => {
  it('is the count a counted event carries, and one for any other event', () => {
    expect(auditEventCount(event({ grant_type: 'client_credentials', count: 5 }))).toBe(5);
    expect(auditEventCount(event({ grant_type: 'client_credentials', count: 1 }))).toBe(1);
    expect(auditEventCount(event({ name: 'key' }))).toBe(1);
    expect(auditEventCount(event({ count: '5' }))).toBe(1);
  });
});
