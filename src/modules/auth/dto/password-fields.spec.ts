import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { RegisterDto } from './auth.dto';
import { ChangePasswordDto } from './password.dto';

/** The constraints a value breaks as a password of registration and as a new password. */
async function broken(value: unknown): Promise<{ registration: string[]; change: string[] }> {
  const registration = await validate(
    plainToInstance(RegisterDto, { email: 'a@example.com', full_name: 'A', password: value }),
  );
  const change = await validate(plainToInstance(ChangePasswordDto, { new_password: value }));
  return {
    registration: registration.flatMap((e) => Object.values(e.constraints ?? {})).sort(),
    change: change
      .flatMap((e) => Object.values(e.constraints ?? {}))
      .map((message) => message.replace('new_password', 'password'))
      .sort(),
  };
}

describe('a new password', () => {
  it.each([
    ['9 characters', 'a'.repeat(9)],
    ['10 characters', 'a'.repeat(10)],
    ['256 characters', 'a'.repeat(256)],
    ['257 characters', 'a'.repeat(257)],
    ['a number', 1234567890123],
    ['missing', undefined],
  ])('follows the rules of registration: %s', async (_label, value) => {
    const { registration, change } = await broken(value);
    expect(change).toEqual(registration);
  });
});
