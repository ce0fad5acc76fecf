/**
 * Load generator for suite 2 (and the bookings of suite 4): `concurrency` clients booking one
 * seat each (best available) on the same hot event through REST with the secret key. When the
 * event sells out, the first client to notice publishes the next one (the refill) and everyone
 * moves on; refills are part of the measured time. `design` sends the same requests to one of
 * the booking peers' routes instead (peers/booking-routes.ts), on events of its own.
 */
import { newOrganizer, type Organizer, publishedEvent } from '../lib/api.js';
import { serveParent } from '../lib/child.js';
import { JsonClient } from '../lib/http.js';
import { closedLoops } from '../lib/loop.js';
import { nowMs } from '../lib/stats.js';

/** `ours` is the product's route; the others are the peers' (peers/booking-routes.ts). */
export type BookingDesign = 'ours' | 'for-update' | 'one-statement' | 'null';

interface Setup {
  organizer: Organizer;
  seatsPerEvent: number;
  concurrency: number;
  design?: BookingDesign;
}

/** A 201 as the client saw it: what the oversell check looks for in PostgreSQL afterwards. */
export interface Acknowledged {
  id: string;
  seats: string[];
}

let setup: Setup;
let http: JsonClient;
const eventIds: string[] = [];
let refilling: Promise<void> | null = null;
let sequence = 0;
let acknowledged: Acknowledged[] = [];

const design = () => setup.design ?? 'ours';
const bookingPath = (eventId: string) =>
  design() === 'ours'
    ? `/api/v1/events/${eventId}/bookings`
    : `/api/v1/bench/peers/${design()}/events/${eventId}/bookings`;

/** A new published event; a peer's also gets its seats copied into the peers' inventory. */
async function newEvent(): Promise<string> {
  const { eventId } = await publishedEvent(setup.organizer, setup.seatsPerEvent);
  if (design() !== 'ours') {
    const response = await http.request(
      'POST',
      `/api/v1/bench/peers/events/${eventId}/seats`,
      setup.organizer.secretKey,
    );
    if (response.status !== 204) throw new Error(`peer seats: ${response.status}`);
  }
  return eventId;
}

function refill(soldOut: string | undefined): Promise<void> {
  if (soldOut !== eventIds.at(-1)) return Promise.resolve(); // someone already moved on
  refilling ??= newEvent()
    .then((eventId) => {
      eventIds.push(eventId);
    })
    .finally(() => {
      refilling = null;
    });
  return refilling;
}

async function book(): Promise<number | null> {
  if (refilling) await refilling;
  const eventId = eventIds.at(-1)!;
  const n = sequence++;
  const start = nowMs();
  const response = await http.request<{ error?: { code: string }; booking?: Acknowledged }>(
    'POST',
    bookingPath(eventId),
    setup.organizer.secretKey,
    { quantity: 1, attendee: { email: `fan-${n}@example.test`, name: `Fan ${n}` } },
  );
  const body = response.body;
  if (response.status === 201) {
    const micros = (nowMs() - start) * 1_000;
    if (design() !== 'null') acknowledged.push({ id: body.booking!.id, seats: body.booking!.seats });
    return micros;
  }
  if (response.status === 409 && body?.error?.code === 'SOLD_OUT') {
    await refill(eventId);
    return null;
  }
  throw new Error(`booking: ${response.status} ${JSON.stringify(body)}`);
}

serveParent({
  async setup(argument: Setup & { fresh?: boolean }) {
    setup = argument;
    http ??= new JsonClient(argument.organizer.url, argument.concurrency);
    if (argument.fresh) setup.organizer = await newOrganizer(argument.organizer.url);
    eventIds.length = 0;
    eventIds.push(await newEvent());
  },
  /** One timed run; returns every 201 it got and the events it booked on. */
  async run({ durationMs }: { durationMs: number }) {
    const first = eventIds.length - 1;
    acknowledged = [];
    const result = await closedLoops(setup.concurrency, durationMs, book);
    return { ...result, eventIds: eventIds.slice(first), acknowledged };
  },
  async close() {
    await http?.close();
  },
  /** Exactly `count` bookings as fast as possible (suite 4). */
  async bookCount({ count }: { count: number }) {
    let left = count;
    const start = nowMs();
    let errors = 0;
    await Promise.all(
      Array.from({ length: setup.concurrency }, async () => {
        while (left > 0) {
          left--;
          try {
            if ((await book()) === null) left++;
          } catch {
            errors++;
            left++;
            if (errors > 100) throw new Error('too many failed bookings');
          }
        }
      }),
    );
    return { elapsedMs: nowMs() - start, errors, eventIds: [...eventIds] };
  },
});
