/**
 * Fault drill: PostgreSQL restarted (`pg_ctl stop -m fast`, then `start`) in the middle of a sale. The server
 * runs on a PostgreSQL this file starts itself (`@happening/testing/postgres`, a free port, its own
 * temporary cluster), so the shared database is never touched and the file may run beside others.
 * While the database is away, requests get a clean 503 `SERVICE_UNAVAILABLE` with `Retry-After`,
 * never a 500 and never a hang (each request has a deadline here); afterwards the sale goes on, and
 * nothing is oversold: every acknowledged booking is in PostgreSQL with its seat, no seat twice.
 */
import { migrate } from '@happening/server/db/migrate';
import { attendee, type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import { waitFor } from '@happening/testing/notifications';
import { type PrivatePostgres, startPostgres } from '@happening/testing/postgres';
import { buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let postgres: PrivatePostgres;
let app: TestApp;
let base: string;
let owner: SignedUp;

beforeAll(async () => {
  postgres = await startPostgres();
  await migrate(postgres.url);
  app = await buildTestApp({ DATABASE_URL: postgres.url, PG_POOL_TIMEOUT_MS: '3000' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  owner = await signup(app, 'pg-restart');
}, 90_000);
afterAll(async () => {
  await app?.close();
  await postgres?.stop();
}, 30_000);

const SEATS = 60;
const AT_ONCE = 12;
/** No answer within this is a hang: the drill fails on it. */
const DEADLINE_MS = 15_000;

/** The parts of an answer the drill reads. */
interface Reply {
  error?: { code?: string };
  holdToken?: string;
  booking?: { id: string };
}

interface Answer {
  status: number;
  retryAfter: string | null;
  code?: string;
  at: number;
}

async function call(path: string, key: string, body: unknown): Promise<Answer & { body: Reply }> {
  try {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(DEADLINE_MS),
    });
    const json = (await response.json().catch(() => ({}))) as Reply;
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      code: json?.error?.code,
      at: Date.now(),
      body: json,
    };
  } catch (error) {
    // A timeout (a hang) or a connection refused by our own server: both fail the drill.
    return { status: -1, retryAfter: null, code: String(error), at: Date.now(), body: {} };
  }
}

interface Attempt {
  seat: string;
  hold: Answer;
  book?: Answer;
  bookingId?: string;
}

async function attempt(live: LiveEvent, i: number): Promise<Attempt> {
  const seat = `main-${String.fromCharCode(65 + (i % 3))}-${(Math.floor(i / 3) % 20) + 1}`;
  const hold = await call(`/api/v1/events/${live.eventId}/holds`, live.publishableKey, { seats: [seat] });
  if (hold.status !== 200) return { seat, hold };
  const book = await call(`/api/v1/events/${live.eventId}/bookings`, live.secretKey, {
    holdToken: hold.body.holdToken,
    attendee: attendee(`pg-${i}`),
  });
  return { seat, hold, book, bookingId: book.body.booking?.id };
}

describe('PostgreSQL restarted mid-sale', () => {
  it('answers 503 with Retry-After while it is away, never 500 or a hang; the sale goes on, nothing oversold', async () => {
    const live = await publishedEvent(app, owner, rowsMap(3, 20));
    const attempts: Attempt[] = [];
    let restartedAt = 0;
    let downAt = 0;
    let backAt = 0;
    let next = 0;
    const answersSoFar = () => attempts.reduce((n, a) => n + 1 + (a.book ? 1 : 0), 0);
    const lane = async () => {
      // Keep selling until well after the restart: at least 150 attempts, and 2 s past it.
      while (next < 150 || !backAt || Date.now() < backAt + 2_000) {
        if (next > 2_000) break;
        const i = next++;
        if (i === 40) {
          // `pg_ctl restart -m fast` in its two halves, so that the window is long enough for
          // the lanes to meet it every run: down until 10 answers were given without it, then up.
          restartedAt = Date.now();
          void (async () => {
            await postgres.shutDown('fast');
            downAt = Date.now();
            const answered = answersSoFar();
            await waitFor(() => answersSoFar() >= answered + 10, 'answers while PostgreSQL is down', 30_000);
            await postgres.startUp();
            backAt = Date.now();
          })();
        }
        attempts.push(await attempt(live, i));
      }
    };
    await Promise.all(Array.from({ length: AT_ONCE }, lane));
    expect(backAt).toBeGreaterThan(0);

    const answers = attempts.flatMap((a) => [a.hold, ...(a.book ? [a.book] : [])]);
    // Never a hang, never a connection our server dropped, never a 500.
    expect(answers.filter((a) => a.status === -1 || (a.status >= 500 && a.status !== 503))).toEqual([]);
    const unavailable = answers.filter((a) => a.status === 503);
    // The restart was seen, and every 503 is the clean one a client can act on.
    expect(unavailable.length).toBeGreaterThan(0);
    for (const answer of unavailable) {
      expect(answer.code).toBe('SERVICE_UNAVAILABLE');
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    }
    // The sale went on after the database came back.
    const sold = attempts.filter((a) => a.book?.status === 201);
    expect(sold.filter((a) => a.book!.at > backAt).length).toBeGreaterThan(0);
    // Nothing oversold: no seat twice, every acknowledged booking in PostgreSQL with its seat.
    expect(sold.length).toBeLessThanOrEqual(SEATS);
    expect(new Set(sold.map((a) => a.seat)).size).toBe(sold.length);
    const { rows } = await app.pg.query(
      `SELECT b.id, s.seat_id FROM bookings b JOIN booking_seats s ON s.booking_id = b.id AND s.active
       WHERE b.event_id = $1 AND b.status = 'confirmed'`,
      [live.eventId],
    );
    expect(new Set(rows.map((r) => r.seat_id)).size).toBe(rows.length);
    const inPostgres = new Set(rows.map((r) => `${r.id} ${r.seat_id}`));
    expect(sold.filter((a) => !inPostgres.has(`${a.bookingId} ${a.seat}`))).toEqual([]);

    const firstAfter = Math.min(...sold.filter((a) => a.book!.at > backAt).map((a) => a.book!.at));
    const last503 = Math.max(...unavailable.map((a) => a.at));
    console.info(
      `[drill] pg restart: ${attempts.length} attempts, ${sold.length} sold, ${unavailable.length} answers 503, ` +
        `down ${backAt - downAt} ms (shutdown took ${downAt - restartedAt} ms), last 503 ${last503 - restartedAt} ms after it began, ` +
        `first booking ${firstAfter - backAt} ms after it was back, ` +
        `statuses ${JSON.stringify(countBy(answers.map((a) => a.status)))}`,
    );
  }, 120_000);
});

function countBy(values: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
