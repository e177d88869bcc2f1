import { MAX_KEY_LIFETIME_DAYS, parseDuration } from './expiration';

const DAY_MS = 86_400_000;

describe('parseDuration', () => {
  it('reads minutes, hours, days, weeks and 365-day years', () => {
    expect(parseDuration('90m')).toBe(90 * 60_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('30d')).toBe(30 * DAY_MS);
    expect(parseDuration('2w')).toBe(14 * DAY_MS);
    expect(parseDuration('1y')).toBe(365 * DAY_MS);
  });

  it('goes up to 10 years and no further, whatever the unit', () => {
    expect(MAX_KEY_LIFETIME_DAYS).toBe(3650);
    for (const text of ['10y', '3650d', '87600h', '521w', '525600m'])
      expect(parseDuration(text)).toBeLessThanOrEqual(3650 * DAY_MS);
    for (const text of ['11y', '3651d', '87601h', '522w', '999999y', '8000y'])
      expect(parseDuration(text)).toBeNull();
  });

  it('refuses zero and anything that is not such a duration', () => {
    for (const text of ['0d', '0m', '', 'soon', '30', 'd', '1.5d', '-1d', '1234567m', '1 d'])
      expect(parseDuration(text)).toBeNull();
  });
});
