import {
  ArgumentMetadata,
  Injectable,
  PipeTransform,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import { API_KEY_QUERY_PARAMETER } from '../auth/credential';
import { refusedEntries } from '../validation/each-entry';
import { inputShapeIssues } from '../validation/input-shape';
import { RequestValidationError, ValidationIssue } from './api-errors';

const MAX_REPORTED_ISSUES = 100;

/** class-validator constraint names mapped to the contract's error `type` values. */
const ISSUE_TYPES: Record<string, string> = {
  isEmail: 'value_error.email',
  isDefined: 'value_error.missing',
  isNotEmpty: 'value_error.missing',
  whitelistValidation: 'value_error.extra',
  isString: 'type_error.str',
  isInt: 'type_error.integer',
  isNumber: 'type_error.number',
  isBoolean: 'type_error.bool',
  isArray: 'type_error.list',
  isIn: 'type_error.enumeration',
  isEnum: 'type_error.enumeration',
  isUUID: 'type_error.uuid',
  isISO8601: 'type_error.datetime',
  minLength: 'value_error.any_str.min_length',
  maxLength: 'value_error.any_str.max_length',
  maxChars: 'value_error.any_str.max_length',
  min: 'value_error.number.not_ge',
  max: 'value_error.number.not_le',
  arrayMaxSize: 'value_error.list.max_items',
  arrayMinSize: 'value_error.list.min_items',
  matches: 'value_error.str.regex',
  isAllowedIp: 'value_error.ip_network',
  isKeyLifetime: 'value_error.duration',
};

function toIssues(errors: ValidationError[], parent: (string | number)[] = []): ValidationIssue[] {
  return errors.flatMap((error) => {
    const loc = [...parent, /^\d+$/.test(error.property) ? Number(error.property) : error.property];
    const constraints = Object.keys(error.constraints ?? {});
    // A required field that was not sent: one "field required", not every rule it failed.
    if (
      error.value === undefined &&
      constraints.length > 0 &&
      !constraints.includes('whitelistValidation')
    ) {
      return [{ loc, msg: 'field required', type: 'value_error.missing' }];
    }
    const own = Object.entries(error.constraints ?? {}).flatMap(([constraint, msg]) => {
      const type = ISSUE_TYPES[constraint] ?? `value_error.${constraint}`;
      // A rule on list entries points at each refused entry, like nested fields do.
      const entries = refusedEntries(error, constraint);
      if (entries) return entries.map((index) => ({ loc: [...loc, index], msg, type }));
      return [
        {
          loc,
          msg: constraint === 'whitelistValidation' ? 'extra fields not permitted' : msg,
          type,
        },
      ];
    });
    return [...own, ...toIssues(error.children ?? [], loc)];
  });
}

/**
 * The global ValidationPipe: strips nothing silently (unknown fields are a 422), transforms
 * payloads into DTO instances, and reports failures in the contract's 422 shape with `loc`
 * starting at `body`, `query` or `path`.
 */
@Injectable()
export class ContractValidationPipe implements PipeTransform {
  private readonly validation = new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    // A body of 10,000 unknown fields is 10,000 issues: the first ones say enough.
    exceptionFactory: (errors) =>
      new RequestValidationError(toIssues(errors).slice(0, MAX_REPORTED_ISSUES)),
  });

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    // Custom parameter decorators (@Principal()) carry no client input and are never validated:
    // answered at once, without the two promises the validation path costs on every request.
    if (metadata.type === 'custom') return value;
    return this.validate(value, metadata);
  }

  private async validate(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const source = metadata.type === 'param' ? 'path' : metadata.type;
    // `?api_key=` is the caller's credential (the contract accepts it on every protected route),
    // not a field of the route's query: validated without it.
    if (metadata.type === 'query' && isObject(value) && API_KEY_QUERY_PARAMETER in value) {
      const { [API_KEY_QUERY_PARAMETER]: _credential, ...query } = value;
      value = query;
    }
    // Before anything recurses into the value (class-transformer, class-validator).
    const shapeIssues = inputShapeIssues(value);
    if (shapeIssues.length > 0) throw new RequestValidationError(shapeIssues).locatedIn(source);
    // A JSON body that is not an object (null, a number, an array) cannot match a DTO.
    if (metadata.type === 'body' && metadata.metatype && this.isDtoClass(metadata.metatype)) {
      if (
        value === undefined ||
        value === null ||
        typeof value !== 'object' ||
        Array.isArray(value)
      ) {
        if (value !== undefined) {
          throw new RequestValidationError([
            { loc: ['body'], msg: 'value is not a valid object', type: 'type_error.dict' },
          ]);
        }
        value = {};
      }
    }
    try {
      return await this.validation.transform(value, metadata);
    } catch (error) {
      if (error instanceof RequestValidationError) {
        throw error.locatedIn(source);
      }
      throw error;
    }
  }

  private isDtoClass(metatype: unknown): boolean {
    return ![String, Boolean, Number, Array, Object].includes(metatype as never);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
