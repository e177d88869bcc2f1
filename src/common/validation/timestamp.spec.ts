import { isTimestamp } from './timestamp';

describe('isTimestamp', () => {
  it('accepts the ISO 8601 dates and times Date reads as written', () => {
    for (const value of [
      '2026-11-23T07:00:00.000Z',
      '2026-11-23T07:00:00Z',
      '2026-11-23T07:00Z',
      '2026-11-23T07:00:00+01:00',
      '2026-11-23T07:00:00.123456-0230',
      '2026-11-23',
      '2026-11',
      '2026',
    ]) {
      expect([value, isTimestamp(value)]).toEqual([value, true]);
    }
  });

  it('refuses the ISO 8601 forms Date cannot read, or reads as another day', () => {
    for (const value of [
      '2020-W01', // week date: Invalid Date
      '2020-W01-1',
      '20200101', // basic format
      '20200101T101010Z',
      '2020-01-01T10', // an hour alone
      '2020-01-01T10:00:00,5Z', // decimal comma
      '2020-01-01T10:00:00+01', // offset in hours alone
      '2020-010', // ordinal date: January 10, which Date reads as October 1
      '2020-032',
    ]) {
      expect([value, isTimestamp(value)]).toEqual([value, false]);
    }
  });

  it('refuses a time outside the years 1000-9999 in UTC, which the databases cannot compare', () => {
    for (const value of ['9999-12-31T23:59:59-14:00', '0999-12-31T23:59:59Z', '0001-01-01']) {
      expect([value, isTimestamp(value)]).toEqual([value, false]);
    }
    for (const value of ['9999-12-31T23:59:59Z', '1000-01-01T00:00:00Z']) {
      expect([value, isTimestamp(value)]).toEqual([value, true]);
    }
  });

  it('refuses what is no date at all', () => {
    for (const value of ['', 'yesterday', '2020-02-30', '2020-13-01', 20200101, null]) {
      expect([value, isTimestamp(value)]).toEqual([value, false]);
    }
  });
});
