import { consolePayloads, widgetPayloads } from '@happening/shared';
import type { ValidateFunction } from 'ajv';
import type { Static, TSchema } from 'typebox';
import { AppError } from '../lib/errors.js';
import { makeAjv } from '../plugins/validation.js';

/**
 * Socket payloads are checked by the schemas in `shared/src/socket-schemas.ts`, with an Ajv set up
 * as for REST bodies (no coercion), compiled once per message at start. A refusal is the ack
 * REST would answer: `VALIDATION_FAILED` naming the field.
 */
const ajv = makeAjv({ coerceTypes: false });

export type PayloadCheck<S extends TSchema> = (payload: unknown) => Static<S>;

function compile<S extends TSchema>(schema: S): PayloadCheck<S> {
  const validate = ajv.compile(schema) as ValidateFunction<Static<S>>;
  return (payload) => {
    if (validate(payload)) return payload;
    const first = validate.errors?.[0];
    const field = first?.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : 'payload';
    throw new AppError(400, 'VALIDATION_FAILED', `${field} ${first?.message ?? 'is invalid'}`, { field });
  };
}

function compileAll<M extends Record<string, TSchema>>(schemas: M): { [K in keyof M]: PayloadCheck<M[K]> } {
  return Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, compile(schema)])) as {
    [K in keyof M]: PayloadCheck<M[K]>;
  };
}

export const widgetPayload = compileAll(widgetPayloads);
export const consolePayload = compileAll(consolePayloads);
