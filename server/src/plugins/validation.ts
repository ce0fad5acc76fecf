import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Bodies are validated exactly: no type coercion ("5" is not 5) and unknown properties are
 * rejected, not silently stripped. Query strings and path params arrive as text, so those
 * are coerced to the declared types.
 */
export function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({
    allErrors: false,
    strict: false,
    useDefaults: true,
    removeAdditional: false,
    ...options,
  });
  addFormats.default(ajv);
  // RFC 3339 allows the year 0000, which PostgreSQL's timestamptz refuses on input (a 500).
  const dateTime = fullFormats['date-time'] as { validate: (value: string) => boolean };
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (value) => dateTime.validate(value) && !value.startsWith('0000'),
  });
  return ajv;
}

/**
 * Ajv coerces "1e999" to Infinity and then lets it pass `type: 'integer'` (it checks finiteness
 * only of numbers it did not coerce), and "1e300" is an integer too: PostgreSQL then fails on
 * either (OFFSET is a bigint). Text parts are flat (params, query, headers), so their values are
 * checked here once validation has coerced them: a number from a URL is a safe integer or refused.
 */
function safeNumbersOnly(validate: ValidateFunction): ValidateFunction {
  const checked = ((data: unknown, context?: Parameters<ValidateFunction>[1]) => {
    if (!validate(data, context)) {
      checked.errors = validate.errors;
      return false;
    }
    for (const [key, value] of Object.entries((data ?? {}) as Record<string, unknown>)) {
      const values = Array.isArray(value) ? value : [value];
      if (values.some((item) => typeof item === 'number' && Math.abs(item) > Number.MAX_SAFE_INTEGER)) {
        checked.errors = [
          {
            instancePath: `/${key}`,
            schemaPath: '#',
            keyword: 'type',
            params: {},
            message: `must be between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`,
          },
        ];
        return false;
      }
    }
    checked.errors = null;
    return true;
  }) as ValidateFunction;
  // Fastify hands Ajv validators their parent (so coercion can replace the root); keep that.
  checked.schemaEnv = validate.schemaEnv;
  checked.schema = validate.schema;
  return checked;
}

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const bodyAjv = makeAjv({ coerceTypes: false });
  const textAjv = makeAjv({ coerceTypes: 'array' });
  return ({ schema, httpPart }) => {
    if (httpPart === 'body') return bodyAjv.compile(schema as object);
    return safeNumbersOnly(textAjv.compile(schema as object));
  };
}
