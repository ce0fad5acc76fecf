/**
 * Holding is capped per attendee, per event (docs/security.md): one client address holds at most
 * its allowance of an event's seats and open holds, on every server at once, and gets it back
 * when its holds end in any way. The first test is the attack from the issue.
 */
import type { WidgetClientToServer, WidgetServerToClient } from '@happening/shared';
import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import {
  addressCounters,
  expireNow,
  holdFrom,
  holdSolving,
  POW_TEST_ENV,
  randomAddress,
} from '@happening/testing/proof-of-work';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Two servers on one Redis and PostgreSQL, as behind a load balancer; defaults everywhere else.
let first: TestApp;
let second: TestApp;
let owner: SignedUp;
beforeAll(async () => {
  const env = { ...POW_TEST_ENV, HOLD_SWEEP_INTERVAL_MS: '200' };
  [first, second] = await Promise.all([buildTestApp(env), buildTestApp(env)]);
  await second.listen({ port: 0, host: '127.0.0.1' });
  owner = await signup(first, 'hold-caps');
});
afterAll(async () => {
  await Promise.all([first?.close(), second?.close()]);
});

/** Releases some seats of a hold as the widget does, over its socket (to the listening server). */
async function releaseSeats(live: LiveEvent, holdToken: string, seatIds: string[]) {
  const { port } = second.server.address() as { port: number };
  const socket: Socket<WidgetServerToClient, WidgetClientToServer> = io(`http://127.0.0.1:${port}/widget`, {
    auth: { publishableKey: live.publishableKey },
    transports: ['websocket'],
    reconnection: false,
  });
  try {
    return await new Promise<unknown>((resolve) => socket.emit('release', { holdToken, seatIds }, resolve));
  } finally {
    socket.close();
  }
}

const serverOf = (i: number) => (i % 2 === 0 ? first : second);

async function heldSeats(live: LiveEvent): Promise<number> {
  const availability = (await first.inject({ url: `/api/v1/events/${live.eventId}/availability` })).json();
  return availability.sections.reduce((sum: number, section: { held: number }) => sum + section.held, 0);
}

/** A 1,000-seat event with the default settings: 10 seats per booking, so 20 per address. */
const thousandSeats = () => publishedEvent(first, owner, rowsMap(40, 25));

describe('the attack: one script, 100 best-available holds of 10', () => {
  it('holds at most the per-address cap of a 1,000-seat event on two servers, whatever X-Forwarded-For says; another address still holds', async () => {
    const live = await thousandSeats();
    const script = randomAddress();
    // All at once, alternating servers, no Origin, a different X-Forwarded-For on each request.
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        holdFrom(
          serverOf(i),
          live,
          script,
          { bestAvailable: { quantity: 10 } },
          {
            'x-forwarded-for': `203.0.113.${i}`,
          },
        ),
      ),
    );
    const codes = answers.map((answer) => answer.statusCode);
    // The first hold of 10 is half the allowance; every further one must prove work first.
    expect(codes.filter((code) => code === 200)).toHaveLength(1);
    expect(codes.filter((code) => code === 428)).toHaveLength(99);
    for (const answer of answers.filter((a) => a.statusCode === 428)) {
      expect(answer.json().error).toMatchObject({ code: 'CHALLENGE_REQUIRED', reason: 'required' });
    }
    expect(await heldSeats(live)).toBe(10);

    const neighbour = await holdFrom(second, live, randomAddress(), { bestAvailable: { quantity: 10 } });
    expect(neighbour.statusCode).toBe(200);
    expect(neighbour.json().seats).toHaveLength(10);
    expect(await heldSeats(live)).toBe(20);
  });

  it('a script that solves every challenge still holds no more than the cap within 30 s', async () => {
    const live = await thousandSeats();
    const script = randomAddress();
    const deadline = Date.now() + 30_000;
    const codes: number[] = [];
    let refusal: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && Date.now() < deadline; i++) {
      const answer = await holdSolving(serverOf(i), live, script, { bestAvailable: { quantity: 10 } });
      codes.push(answer.statusCode);
      if (answer.statusCode === 409) {
        refusal = answer.json().error;
        break;
      }
    }
    expect(codes).toEqual([200, 200, 409]);
    expect(refusal).toMatchObject({ code: 'HOLD_CAP_REACHED', cap: 'seats', max: 20, held: 20 });
    expect(await heldSeats(live)).toBe(20);
  });

  it('caps open holds per address too: the fifth one-seat hold is refused', async () => {
    const live = await thousandSeats();
    const script = randomAddress();
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const answer = await holdFrom(serverOf(i), live, script, { seats: [`main-A-${i + 1}`] });
      codes.push(answer.statusCode);
      if (answer.statusCode === 409) {
        expect(answer.json().error).toMatchObject({ code: 'HOLD_CAP_REACHED', cap: 'holds', max: 4 });
      }
    }
    expect(codes).toEqual([200, 200, 200, 200, 409]);
    expect(await heldSeats(live)).toBe(4);
  });
});

describe('the allowance comes back', () => {
  /** Two holds of 10 from one address: its allowance is used up. */
  async function fullAddress(live: LiveEvent) {
    const address = randomAddress();
    const a = await holdSolving(first, live, address, { bestAvailable: { quantity: 10 } });
    const b = await holdSolving(second, live, address, { bestAvailable: { quantity: 10 } });
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    const refused = await holdSolving(first, live, address, { seats: ['main-Z-1'] });
    expect(refused.json().error).toMatchObject({ code: 'HOLD_CAP_REACHED', cap: 'seats' });
    return { address, a: a.json(), b: b.json() };
  }

  it('when seats or whole holds are released, on either server', async () => {
    const live = await thousandSeats();
    const { address, a, b } = await fullAddress(live);
    const one = await releaseSeats(live, b.holdToken, [b.seats[0]]);
    expect(one).toEqual({ ok: true, data: { released: [b.seats[0]] } });
    expect((await holdSolving(first, live, address, { seats: ['main-Z-1'] })).statusCode).toBe(200);
    expect((await holdSolving(first, live, address, { seats: ['main-Z-2'] })).statusCode).toBe(409);

    const all = await second.inject({
      method: 'DELETE',
      url: `/api/v1/holds/${a.holdToken}`,
      headers: bearer(live.publishableKey),
    });
    expect(all.statusCode).toBe(204);
    const again = await holdSolving(first, live, address, { bestAvailable: { quantity: 10 } });
    expect(again.statusCode).toBe(200);
  });

  it('when holds expire: the sweeper gives it back without anyone asking', async () => {
    const live = await publishedEvent(first, owner, rowsMap(40, 25), { holdTtlSeconds: 30 });
    const { address, a, b } = await fullAddress(live);
    expect(Object.keys(await addressCounters(live.eventId))).toHaveLength(2);
    await expireNow(live.eventId, a.holdToken);
    await expireNow(live.eventId, b.holdToken);
    // No call is made meanwhile: only the sweepers' script runs can free the counters.
    await expect.poll(() => addressCounters(live.eventId), { timeout: 10_000 }).toEqual({});
    expect(await heldSeats(live)).toBe(0);
    const again = await holdFrom(second, live, address, { bestAvailable: { quantity: 10 } });
    expect(again.statusCode).toBe(200);
  });

  it('when a hold is booked (by the partner backend, on the other server)', async () => {
    const live = await thousandSeats();
    const { address, a } = await fullAddress(live);
    const booked = await second.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/bookings`,
      headers: bearer(live.secretKey),
      payload: { holdToken: a.holdToken, attendee: attendee('capped') },
    });
    expect(booked.statusCode).toBe(201);
    const again = await holdSolving(first, live, address, { bestAvailable: { quantity: 10 } });
    expect(again.statusCode).toBe(200);
  });

  it('when the event is cancelled: no address holds anything any more', async () => {
    const live = await thousandSeats();
    await fullAddress(live);
    const cancelled = await first.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/cancel`,
      headers: bearer(owner.token),
      payload: {},
    });
    expect(cancelled.statusCode).toBe(200);
    expect(await addressCounters(live.eventId)).toEqual({});
    expect(await heldSeats(live)).toBe(0);
  });
});

describe('extensions and other callers', () => {
  it('adding places to a hold counts against the same allowance; extending keeps them counted and cannot keep more than the cap', async () => {
    const live = await publishedEvent(first, owner, rowsMap(40, 25), { maxSeatsPerAddress: 15 });
    const address = randomAddress();
    const made = (await holdFrom(first, live, address, { bestAvailable: { quantity: 5 } })).json();
    const token = made.holdToken as string;
    const other = await holdSolving(second, live, address, { bestAvailable: { quantity: 10 } });
    expect(other.statusCode).toBe(200);
    // 15 of 15: one more seat is refused through the hold's token as through a new hold.
    const grown = await holdSolving(first, live, address, { seats: ['main-Z-1'], holdToken: token });
    expect(grown.json().error).toMatchObject({ code: 'HOLD_CAP_REACHED', cap: 'seats', max: 15, held: 15 });

    // A time extension does not give the allowance back.
    const extended = await first.inject({
      method: 'POST',
      url: `/api/v1/holds/${token}/extend`,
      headers: bearer(live.publishableKey),
    });
    expect(extended.statusCode).toBe(200);
    expect((await holdSolving(second, live, address, { seats: ['main-Z-3'] })).statusCode).toBe(409);

    // The partner backend (secret key) may add past the cap; the publishable key then cannot
    // keep those places longer, while the backend still can.
    const stretched = await first.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/holds`,
      headers: bearer(live.secretKey),
      remoteAddress: address,
      payload: { seats: ['main-Z-4'], holdToken: token },
    });
    expect(stretched.statusCode).toBe(200);
    const byAttendee = await second.inject({
      method: 'POST',
      url: `/api/v1/holds/${token}/extend`,
      headers: bearer(live.publishableKey),
    });
    expect(byAttendee.statusCode).toBe(409);
    expect(byAttendee.json().error).toMatchObject({
      code: 'HOLD_CAP_REACHED',
      cap: 'seats',
      max: 15,
      held: 16,
    });
    const byBackend = await second.inject({
      method: 'POST',
      url: `/api/v1/holds/${token}/extend`,
      headers: bearer(live.secretKey),
    });
    expect(byBackend.statusCode).toBe(200);
  });

  it('holds made with the secret key or a session token are not capped and do not use the address allowance', async () => {
    const live = await thousandSeats();
    const boxOffice = randomAddress();
    const answers = [];
    for (let i = 0; i < 10; i++) {
      answers.push(
        await serverOf(i).inject({
          method: 'POST',
          url: `/api/v1/events/${live.eventId}/holds`,
          headers: bearer(i % 2 === 0 ? live.secretKey : owner.token),
          remoteAddress: boxOffice,
          payload: { bestAvailable: { quantity: 10 } },
        }),
      );
    }
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(10).fill(200));
    expect(await heldSeats(live)).toBe(100);
    // An attendee at the same address still has the whole allowance, no proof asked for half of it.
    const attendeeHold = await holdFrom(first, live, boxOffice, { bestAvailable: { quantity: 10 } });
    expect(attendeeHold.statusCode).toBe(200);
  });

  it('a waitlist offer is not an attendee hold: it leaves the address its allowance', async () => {
    const live = await publishedEvent(first, owner, rowsMap(1, 22), {
      directBooking: true,
      waitlistMode: 'offer',
    });
    const book = (quantity: number, key: string, n: string, remoteAddress = '127.0.0.1') =>
      first.inject({
        method: 'POST',
        url: `/api/v1/events/${live.eventId}/bookings`,
        headers: bearer(key),
        remoteAddress,
        payload: { quantity, attendee: attendee(n) },
      });
    const sold = [await book(10, live.secretKey, 'o1'), await book(10, live.secretKey, 'o2')];
    expect((await book(2, live.secretKey, 'o3')).statusCode).toBe(201);
    const fan = randomAddress();
    const waiting = await book(10, live.publishableKey, 'fan', fan);
    expect(waiting.statusCode).toBe(202);
    const cancel = (id: string) =>
      first.inject({
        method: 'POST',
        url: `/api/v1/bookings/${id}/cancel`,
        headers: bearer(owner.token),
        payload: {},
      });
    expect((await cancel(sold[0]!.json().booking.id)).statusCode).toBe(200);
    await expect
      .poll(async () => {
        const read = await first.inject({
          url: `/api/v1/bookings/${waiting.json().booking.id}`,
          headers: bearer(owner.token),
        });
        return read.json().booking.status;
      })
      .toBe('offered');
    expect((await cancel(sold[1]!.json().booking.id)).statusCode).toBe(200);
    // 10 seats offered to the fan, 10 free: the fan holds them without proof, as at 0 of 20.
    const held = await holdFrom(second, live, fan, { bestAvailable: { quantity: 10 } });
    expect(held.statusCode).toBe(200);
    // The fan's address holds one hold of 10 seats, and nothing for the offer.
    expect(Object.values(await addressCounters(live.eventId)).sort()).toEqual(['1', '10']);
  });
});

describe('organizers tune the caps per event', () => {
  it('a school group behind one address: a higher seat cap for this sale', async () => {
    const live = await publishedEvent(first, owner, rowsMap(40, 25), {
      maxSeatsPerAddress: 60,
      maxHoldsPerAddress: 10,
    });
    const school = randomAddress();
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) {
      codes.push(
        (await holdSolving(serverOf(i), live, school, { bestAvailable: { quantity: 10 } })).statusCode,
      );
    }
    expect(codes).toEqual([200, 200, 200, 200, 200, 200, 409]);
    expect(await heldSeats(live)).toBe(60);
  });

  it('shows the caps on the event, refuses a seat cap below the per-booking limit, and null goes back to the default', async () => {
    const create = (settings: Record<string, unknown>) =>
      first.inject({
        method: 'POST',
        url: `/api/v1/orgs/${owner.orgId}/events`,
        headers: bearer(owner.token),
        payload: {
          name: 'Caps',
          startsAt: '2027-01-01T20:00:00.000Z',
          venue: 'Hall',
          seatMap: rowsMap(1, 10),
          ...settings,
        },
      });
    const defaults = (await create({})).json().event;
    expect(defaults).toMatchObject({ maxSeatsPerAddress: null, maxHoldsPerAddress: 4, proofOfWork: false });

    const tooLow = await create({ maxSeatsPerBooking: 10, maxSeatsPerAddress: 5 });
    expect(tooLow.statusCode).toBe(400);
    expect(tooLow.json().error).toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'body.maxSeatsPerAddress',
    });

    const tuned = (await create({ maxSeatsPerAddress: 40, maxHoldsPerAddress: 8, proofOfWork: true })).json()
      .event;
    expect(tuned).toMatchObject({ maxSeatsPerAddress: 40, maxHoldsPerAddress: 8, proofOfWork: true });
    const patch = (body: Record<string, unknown>) =>
      first.inject({
        method: 'PATCH',
        url: `/api/v1/events/${tuned.id}`,
        headers: bearer(owner.token),
        payload: body,
      });
    // Raising the per-booking limit above the seat cap is refused as well.
    expect((await patch({ maxSeatsPerBooking: 50 })).statusCode).toBe(400);
    const reset = await patch({ maxSeatsPerAddress: null });
    expect(reset.statusCode).toBe(200);
    expect(reset.json().event.maxSeatsPerAddress).toBeNull();
  });
});
