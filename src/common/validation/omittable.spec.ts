import { IsString, validateSync } from 'class-validator';
import { Omittable } from './omittable';

class Named {
  @Omittable()
  @IsString()
  name?: unknown;
}
const constraintsOf = (fields: object) =>
  validateSync(Object.assign(new Named(), fields)).map((error) => error.constraints);

describe('Omittable', () => {
  it('lets a field be left out, and checks it when given', () => {
    expect(constraintsOf({})).toEqual([]);
    expect(constraintsOf({ name: undefined })).toEqual([]);
    expect(constraintsOf({ name: 'Ada' })).toEqual([]);
    expect(constraintsOf({ name: 1 })).toEqual([{ isString: 'name must be a string' }]);
  });

  it('checks null as a given value (IsOptional would skip it)', () => {
    expect(constraintsOf({ name: null })).toEqual([{ isString: 'name must be a string' }]);
  });
});
