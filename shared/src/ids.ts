/**
 * The shapes of the ids and tokens clients send back to us, defined once: REST params and bodies
 * validate with these schemas and the socket handlers check with the same patterns, so a value
 * one side accepts is never one the other refuses (or one PostgreSQL cannot read).
 */
import { Type } from 'typebox';

/**
 * A UUID in its canonical 8-4-4-4-12 form (either case). Stricter than JSON Schema's `uuid`
 * format, which also takes a `urn:uuid:` prefix that PostgreSQL's uuid type refuses: an id that
 * passed validation must never fail a cast in SQL.
 */
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
export const UUID_PATTERN = `^${UUID}$`;

/**
 * Hold tokens are `<eventId>.hold_<random>`: the event's id leads so a call that carries only the
 * token finds its event. The server's random part is 32 base64url characters (74 in all); up to
 * 48 are accepted so a token that was merely mistyped or has expired is answered "not found".
 * At most 90 characters: under Fastify's 100-character limit on a path parameter.
 */
export const HOLD_TOKEN_PATTERN = `^${UUID}\\.hold_[A-Za-z0-9_-]{1,48}$`;
export const HOLD_TOKEN_MAX_LENGTH = 36 + '.hold_'.length + 48;

/** Seat ids are `<section>-<row>-<number>` (at most 48 characters with the seat map's limits). */
export const SEAT_ID_MAX_LENGTH = 64;

const uuidRegExp = new RegExp(UUID_PATTERN);
const holdTokenRegExp = new RegExp(HOLD_TOKEN_PATTERN);

export const isUuid = (value: unknown): value is string =>
  typeof value === 'string' && uuidRegExp.test(value);
export const isHoldToken = (value: unknown): value is string =>
  typeof value === 'string' && value.length <= HOLD_TOKEN_MAX_LENGTH && holdTokenRegExp.test(value);

/** An organization, event, booking, user, invitation, webhook endpoint or message id. */
export const Uuid = Type.String({
  format: 'uuid',
  pattern: UUID_PATTERN,
  minLength: 36,
  maxLength: 36,
  description: 'A UUID, e.g. `0b6e5c1a-3f1e-4c4e-9f5a-2d1c7b8e9a10`',
});

export const HoldToken = Type.String({
  pattern: HOLD_TOKEN_PATTERN,
  maxLength: HOLD_TOKEN_MAX_LENGTH,
  description: 'A hold token as `POST /events/:id/holds` returned it: `<eventId>.hold_<random>`',
});

export const SeatId = Type.String({
  minLength: 1,
  maxLength: SEAT_ID_MAX_LENGTH,
  description: 'A seat id from the seat map, `<section>-<row>-<number>`, e.g. `orch-A-12`',
});
