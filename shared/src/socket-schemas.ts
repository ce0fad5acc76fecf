/**
 * The payloads clients send over Socket.IO, as TypeBox schemas the server compiles with Ajv like
 * its REST bodies. Apart from `socket.ts` on purpose: the widget bundle imports the event maps and
 * must not pull TypeBox in. Unknown properties are tolerated (unlike REST bodies): a widget cached
 * in a partner's page may be a deploy ahead of or behind the server it talks to.
 */
import { type Static, type TSchema, Type } from 'typebox';
import { HoldToken, SEAT_ID_MAX_LENGTH, Uuid } from './ids.js';
import type { ConsoleClientToServer, WidgetClientToServer } from './socket.js';

const SeatIds = Type.Array(Type.String({ maxLength: SEAT_ID_MAX_LENGTH }), { maxItems: 100 });
const NonEmpty = (maxLength: number) => Type.String({ minLength: 1, maxLength });

export const widgetPayloads = {
  join: Type.Object({ eventId: Uuid, holdToken: Type.Optional(HoldToken) }),
  leave: Type.Object({ eventId: Uuid }),
  hold: Type.Object({
    eventId: Uuid,
    seatIds: SeatIds,
    holdToken: Type.Optional(HoldToken),
    altcha: Type.Optional(NonEmpty(2_048)),
    admissionToken: Type.Optional(NonEmpty(300)),
  }),
  release: Type.Object({ holdToken: HoldToken, seatIds: SeatIds }),
  'waitlist:watch': Type.Object({ bookingId: Uuid, manageToken: NonEmpty(128) }),
  'queue:follow': Type.Object({ ticket: NonEmpty(64) }),
};

const EventRoom = Type.Object({ eventId: Uuid });
const OrgRoom = Type.Object({ orgId: Uuid });
export const consolePayloads = {
  watch: EventRoom,
  unwatch: EventRoom,
  'org:watch': OrgRoom,
  'org:unwatch': OrgRoom,
};

type Exactly<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type PayloadOf<F> = F extends (payload: infer P, ...rest: never[]) => void ? P : never;
/** Fails to compile if a schema and the event map's payload drift apart (`true` is then an error). */
type Agrees<Schemas, Events> = {
  [Name in keyof Events & keyof Schemas]: Exactly<Static<Schemas[Name] & TSchema>, PayloadOf<Events[Name]>>;
};
export const widgetPayloadsAgree: Agrees<typeof widgetPayloads, WidgetClientToServer> = {
  join: true,
  leave: true,
  hold: true,
  release: true,
  'waitlist:watch': true,
  'queue:follow': true,
};
export const consolePayloadsAgree: Agrees<typeof consolePayloads, ConsoleClientToServer> = {
  watch: true,
  unwatch: true,
  'org:watch': true,
  'org:unwatch': true,
};
