/**
 * The seat map's schemas and the types they define. What runs on a seat map without validating it
 * (the seat enumeration, capacity, the checks a schema cannot express) is in seats.ts, which
 * browser bundles import as `@happening/shared/seats` without bringing TypeBox along.
 */
import { type Static, Type } from 'typebox';
import { MAX_SEATS_PER_EVENT, ROW_LABEL_PATTERN, SECTION_ID_PATTERN } from './seats.js';

export const SeatPosition = Type.Object(
  {
    n: Type.Integer({ minimum: 1, maximum: 10_000 }),
    x: Type.Optional(Type.Number()),
    y: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);

export const SeatRow = Type.Object(
  {
    label: Type.String({ pattern: ROW_LABEL_PATTERN }),
    seats: Type.Union([
      Type.Integer({ minimum: 1, maximum: 10_000 }),
      Type.Array(SeatPosition, { minItems: 1 }),
    ]),
  },
  { additionalProperties: false },
);

export const ReservedSection = Type.Object(
  {
    id: Type.String({ pattern: SECTION_ID_PATTERN }),
    label: Type.String({ minLength: 1, maxLength: 80 }),
    kind: Type.Literal('reserved'),
    category: Type.String({ minLength: 1, maxLength: 40 }),
    rows: Type.Array(SeatRow, { minItems: 1, maxItems: 2_000 }),
  },
  { additionalProperties: false },
);

export const GeneralSection = Type.Object(
  {
    id: Type.String({ pattern: SECTION_ID_PATTERN }),
    label: Type.String({ minLength: 1, maxLength: 80 }),
    kind: Type.Literal('general'),
    category: Type.String({ minLength: 1, maxLength: 40 }),
    capacity: Type.Integer({ minimum: 1, maximum: MAX_SEATS_PER_EVENT }),
  },
  { additionalProperties: false },
);

export const Section = Type.Union([ReservedSection, GeneralSection]);

export const PriceCategory = Type.Object(
  {
    key: Type.String({ minLength: 1, maxLength: 40 }),
    label: Type.String({ minLength: 1, maxLength: 80 }),
    /** Minor units (cents), so prices never meet floating point. */
    price: Type.Integer({ minimum: 0 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  },
  { additionalProperties: false },
);

export const SeatMap = Type.Object(
  {
    sections: Type.Array(Section, { minItems: 1, maxItems: 500 }),
    categories: Type.Array(PriceCategory, { maxItems: 50 }),
  },
  { additionalProperties: false },
);

export type SeatPosition = Static<typeof SeatPosition>;
export type SeatRow = Static<typeof SeatRow>;
export type ReservedSection = Static<typeof ReservedSection>;
export type GeneralSection = Static<typeof GeneralSection>;
export type Section = Static<typeof Section>;
export type PriceCategory = Static<typeof PriceCategory>;
export type SeatMap = Static<typeof SeatMap>;
