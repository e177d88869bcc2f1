import { ValidateIf, ValidationOptions } from 'class-validator';

/**
 * A body field the client may leave out, and must otherwise give a valid value. class-validator's
 * IsOptional also skips every rule of a field sent as null, and the services read a field as
 * given when it is not undefined: `{"expiration": null}` was a 500 (null.trim()), an
 * `expires_in_days` of null a key expired at creation, a `current_password` of null a failed
 * login. No request field of the API takes null, so null here fails the field's rules like any
 * value of the wrong type (a query parameter is text, or absent: IsOptional is enough there).
 */
export function Omittable(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined, options);
}
