import { rowsMap } from '@happening/testing/inventory';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Small limits, so the boundary is a few requests away.
let events: TestApp;
let seats: TestApp;
beforeAll(async () => {
  [events, seats] = await Promise.all([
    buildTestApp({ MAX_EVENTS_PER_ORGANIZATION: '3', EVENT_OVER_AFTER_HOURS: '24' }),
    buildTestApp({ MAX_SEATS_PER_ORGANIZATION: '50' }),
  ]);
});
afterAll(async () => {
  await Promise.all([events.close(), seats.close()]);
});

const create = (app: TestApp, owner: SignedUp, seatCount = 10, name = 'Quota night') =>
  app.inject({
    method: 'POST',
    url: `/api/v1/orgs/${owner.orgId}/events`,
    headers: bearer(owner.token),
    payload: { name, startsAt: '2030-06-01T19:00:00.000Z', venue: 'Hall', seatMap: rowsMap(1, seatCount) },
  });
const countEvents = async (app: TestApp, orgId: string) =>
  (await app.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE org_id = $1', [orgId]))
    .rows[0]!.n;

describe('events per organization', () => {
  it('refuses the event after the limit with 409 and a code, and counts neither cancelled nor over events', async () => {
    const owner = await signup(events, 'event-quota');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await create(events, owner);
      expect(response.statusCode).toBe(201);
      ids.push(response.json().event.id);
    }
    const refused = await create(events, owner);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'EVENT_LIMIT_REACHED', limit: 3 });
    expect(await countEvents(events, owner.orgId)).toBe(3);

    // A cancelled event gives its place back.
    const cancelled = await events.inject({
      method: 'POST',
      url: `/api/v1/events/${ids[0]}/cancel`,
      headers: bearer(owner.token),
      payload: {},
    });
    expect(cancelled.statusCode).toBe(200);
    expect((await create(events, owner)).statusCode).toBe(201);
    expect((await create(events, owner)).statusCode).toBe(409);

    // So does one that is over: it started more than EVENT_OVER_AFTER_HOURS ago.
    await events.pg.query(`UPDATE events SET starts_at = now() - interval '25 hours' WHERE id = $1`, [
      ids[1],
    ]);
    expect((await create(events, owner)).statusCode).toBe(201);
    expect((await create(events, owner)).statusCode).toBe(409);

    // Moving a past draft back into the future would count it again: refused the same way.
    const moved = await events.inject({
      method: 'PATCH',
      url: `/api/v1/events/${ids[1]}`,
      headers: bearer(owner.token),
      payload: { startsAt: '2030-07-01T19:00:00.000Z' },
    });
    expect(moved.statusCode).toBe(409);
    expect(moved.json().error.code).toBe('EVENT_LIMIT_REACHED');
    // An edit that adds nothing passes at the limit.
    const renamed = await events.inject({
      method: 'PATCH',
      url: `/api/v1/events/${ids[2]}`,
      headers: bearer(owner.token),
      payload: { name: 'Renamed', startsAt: '2030-08-01T19:00:00.000Z' },
    });
    expect(renamed.statusCode).toBe(200);
  });

  it('admits exactly the limit when creations arrive at once', async () => {
    const owner = await signup(events, 'event-race');
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => create(events, owner, 5, `Race ${i}`)),
    );
    const statuses = answers.map((answer) => answer.statusCode).sort();
    expect(statuses).toEqual([201, 201, 201, 409, 409, 409, 409, 409]);
    for (const answer of answers.filter((a) => a.statusCode === 409))
      expect(answer.json().error.code).toBe('EVENT_LIMIT_REACHED');
    expect(await countEvents(events, owner.orgId)).toBe(3);
  });
});

describe('seats per organization', () => {
  it('refuses an event whose seats would pass the limit, and a draft that grows past it', async () => {
    const owner = await signup(seats, 'seat-quota');
    const first = await create(seats, owner, 30);
    expect(first.statusCode).toBe(201);
    const refused = await create(seats, owner, 30);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'SEAT_LIMIT_REACHED', limit: 50, seats: 30 });
    expect((await create(seats, owner, 20)).statusCode).toBe(201);

    const grow = (seatCount: number) =>
      seats.inject({
        method: 'PATCH',
        url: `/api/v1/events/${first.json().event.id}`,
        headers: bearer(owner.token),
        payload: { seatMap: rowsMap(1, seatCount) },
      });
    const grown = await grow(31);
    expect(grown.statusCode).toBe(409);
    expect(grown.json().error.code).toBe('SEAT_LIMIT_REACHED');
    expect((await grow(25)).statusCode).toBe(200);
    expect((await create(seats, owner, 5)).statusCode).toBe(201);
    expect((await create(seats, owner, 1)).statusCode).toBe(409);
  });

  it('admits exactly as many seats as the limit when creations arrive at once', async () => {
    const owner = await signup(seats, 'seat-race');
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => create(seats, owner, 20, `Race ${i}`)),
    );
    expect(answers.filter((answer) => answer.statusCode === 201)).toHaveLength(2);
    expect(answers.filter((answer) => answer.statusCode === 409)).toHaveLength(6);
    const { rows } = await seats.pg.query<{ total: number }>(
      'SELECT sum(capacity)::int AS total FROM events WHERE org_id = $1',
      [owner.orgId],
    );
    expect(rows[0]!.total).toBe(40);
  });
});
