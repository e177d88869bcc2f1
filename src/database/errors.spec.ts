import { isUniqueViolation } from './errors';

describe('isUniqueViolation', () => {
  it('recognises duplicate keys of both drivers, directly or wrapped by TypeORM', () => {
    for (const code of [
      'ER_DUP_ENTRY',
      'SQLITE_CONSTRAINT_UNIQUE',
      'SQLITE_CONSTRAINT_PRIMARYKEY',
    ]) {
      expect(isUniqueViolation({ code })).toBe(true);
      expect(isUniqueViolation({ driverError: { code } })).toBe(true);
    }
  });

  it('does not take other constraint failures or other errors for a race', () => {
    for (const code of [
      'SQLITE_CONSTRAINT_NOTNULL',
      'SQLITE_CONSTRAINT_FOREIGNKEY',
      'ER_NO_REFERENCED_ROW_2',
    ]) {
      expect(isUniqueViolation({ driverError: { code } })).toBe(false);
    }
    expect(isUniqueViolation(new Error('connection lost'))).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
  });
});
