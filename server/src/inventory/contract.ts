/**
 * The inventory script's contract: for every operation, the arguments it takes and the result it
 * gives, and next to it the decoder that turns the script's JSON into that result. The Lua side
 * of each operation states the same in its header (`server/src/inventory/lua/*.lua`).
 *
 * The script answers with cjson, which encodes an empty Lua table as `{}`, never `[]`, and a
 * general-admission part as a map `{section: quantity}`: the decoders are the one place that
 * knows, so callers only see lists and `GeneralQuantity[]`.
 */
import type { GeneralQuantity } from '@happening/shared';

type Json = Record<string, unknown>;
type None = Record<never, never>;

/** A hold as the script reports it. */
export interface HoldView {
  token: string;
  seats: string[];
  general: GeneralQuantity[];
  /** Expiry, ms since the epoch (Redis's clock). */
  exp: number;
  /** Extensions used so far. */
  ext: number;
  /** Set when the hold is a waitlist offer: the booking it is offered to. */
  offer?: string;
  /** The partner's reference, when the hold was made with one. */
  externalId?: string;
  /** When its checkout grace was granted (ms, Redis's clock), once it was. */
  checkoutAt?: number;
}

/** A hold the script found expired (and freed) before doing what it was asked. */
export interface ExpiredHold {
  token: string;
  seats: string[];
  general: GeneralQuantity[];
  /** Set when the hold was a waitlist offer: the booking that did not claim it in time. */
  offer?: string;
}

/** What every answer carries, whatever the operation and whether it succeeded. */
export interface Envelope {
  /** The event's version after the call (`meta.v`), bumped when the call changed anything. */
  v: number;
  expired: ExpiredHold[];
  /** The call queued hold events (NOTICES): move them into the outbox (hold-notices.ts). */
  noticed: boolean;
}

/** A general-admission section that has fewer places left than asked. */
export interface ShortSection {
  section: string;
  quantity: number;
  available: number;
}

/** The details each refusal carries, by its code. */
export interface RefusalDetails {
  EVENT_NOT_ON_SALE: None;
  EVENT_CANCELLED: None;
  HOLD_NOT_FOUND: None;
  HOLD_EXPIRED: None;
  EXTENSION_LIMIT_REACHED: None;
  CHECKOUT_ALREADY_STARTED: None;
  VALIDATION_FAILED: None;
  UNKNOWN_SEATS: { seats?: string[]; sections?: string[] };
  SEAT_UNAVAILABLE: { seats: string[]; general?: ShortSection[]; bestAvailable?: true };
  HOLD_LIMIT_EXCEEDED: { max: number };
  /** `holds`: too many open holds; `seats`: too many places held (`held`: how many already). */
  HOLD_CAP_REACHED: { cap: 'holds' | 'seats'; max: number; held?: number };
  /** `replayed`: the call's proof-of-work solution was spent already. */
  CHALLENGE_REQUIRED: { replayed?: true };
  /** Nothing fits; `queue`: because people are waiting (strict FIFO), not because it is full. */
  NO_FIT: { queue: boolean };
}

export type RefusalCode = keyof RefusalDetails;

/** A refusal with one of the codes `C`, and that code's details. */
export type Refusal<C extends RefusalCode = RefusalCode> = {
  [K in C]: { ok: false; code: K } & RefusalDetails[K];
}[C];

/** An operation's answer: its success `S`, or a refusal with one of the codes `C`. */
export type Reply<S, C extends RefusalCode = never> = (({ ok: true } & S) | Refusal<C>) & Envelope;

/** The refusals of the operations that sell (`hold`, `extend`, `book_hold`, `book_best`). */
type SaleClosed = 'EVENT_NOT_ON_SALE' | 'EVENT_CANCELLED';

/** A publishable-key hold: charged to its address and, near the allowance, in need of proof of work. */
export interface HoldCap {
  /** The address's key (hashed, never the address). */
  a: string;
  /** The event's allowances; the loader's copy in `meta` wins over these. */
  seats: number;
  holds: number;
  /** The event asks proof for every hold. */
  always: boolean;
  /** A verified solution comes with the call (its spent-marker is the call's proof key). */
  proof: boolean;
  /** How long the spent-marker lives (ms). */
  proofTtl: number;
}

export interface HoldArgs {
  token: string;
  /** The token names a hold that must exist already (the caller adds to it). */
  existing: boolean;
  seats: string[];
  general: GeneralQuantity[];
  /** Best available: this many places, in `section` or wherever they fit best. */
  best?: { quantity: number; section?: string };
  /** Most places the hold may have in all. */
  max: number;
  /** Time to live of a new hold (ms). */
  ttl: number;
  /** Set by a widget socket: clears the hold's "detached" mark (it is attended again). */
  marker?: string;
  cap?: HoldCap;
  /** A new hold only: the partner's reference, carried by its hold events. */
  externalId?: string;
  /** A new hold only: the hold events its organization wants (hold-notices.ts). */
  notify?: HoldNotify;
}

/** Hold events a hold queues: `k` the kinds ('w' expiring, 'x' expired, 'e' extended), `lead` ms. */
export interface HoldNotify {
  k: string;
  /** `hold_expiring` is due this long before the hold expires (ms). */
  lead: number;
}

export interface ReleaseArgs {
  token: string;
  /** Only these seats (the rest of the hold stays); without it, or with `all`, the whole hold. */
  seats?: string[];
  all?: true;
  /** An offer's hold is released only by naming the booking it is offered to. */
  offer?: string;
}

export interface ExtendArgs {
  token: string;
  ttl: number;
  maxExtensions: number;
  /** The longest a hold may live from its creation (ms). */
  maxLifetime: number;
  /** A publishable-key caller: refused while its address holds more than its allowance. */
  cap?: { seats: number; holds: number };
}

export interface UnbookArgs {
  bookingId: string;
  seats: string[];
  general: Record<string, number>;
  /** Seats PostgreSQL says belong to other bookings (seat → booking id): re-asserted. */
  truth?: Record<string, string>;
  /** Take what to free from the booking's pending record instead of `seats`/`general`. */
  fromPending?: true;
}

export interface ReconcileArgs {
  /** PostgreSQL's active booked seats: seat → booking id. */
  booked: Record<string, string>;
  blocked: string[];
  /** Booked places per general-admission section. */
  general: Record<string, number>;
  /** PostgreSQL's waitlisted bookings in order: id, sequence, party size, section. */
  waitlist: { id: string; seq: number; q: number; s?: string }[];
  /** When PostgreSQL was read (ms, Redis's clock): bookings settled since are left alone. */
  readAt: number;
}

/** The places a booking took. */
export interface Places {
  seats: string[];
  general: GeneralQuantity[];
}

/** One booking served from the head of the waitlist; an offer also names its hold. */
export interface Promotion extends Places {
  bookingId: string;
  /** Offer mode: the hold that keeps the places (`offer_<bookingId>`) and its expiry. */
  token?: string;
  exp?: number;
}

export interface Snapshot {
  status: string;
  /** Every taken seat and its state (`h:<token>`, `b:<bookingId>` or `x`). */
  state: [seat: string, state: string][];
  /** The section counters: `<section>:cap|held|booked|blocked` → number. */
  counts: Record<string, number>;
  /** People in the waitlist, and live holds. */
  waitlist: number;
  holds: number;
}

/** Every operation of the inventory script: its arguments and its answer. */
export interface InventoryOps {
  hold: {
    args: HoldArgs;
    result: Reply<
      { hold: HoldView },
      | SaleClosed
      | 'HOLD_NOT_FOUND'
      | 'UNKNOWN_SEATS'
      | 'SEAT_UNAVAILABLE'
      | 'HOLD_LIMIT_EXCEEDED'
      | 'VALIDATION_FAILED'
      | 'HOLD_CAP_REACHED'
      | 'CHALLENGE_REQUIRED'
    >;
  };
  hold_get: { args: { token: string }; result: Reply<{ hold: HoldView }, 'HOLD_NOT_FOUND'> };
  /** `hold` is what is left after a partial release (absent after a whole one). */
  release: { args: ReleaseArgs; result: Reply<{ released: string[]; hold?: HoldView }, 'HOLD_NOT_FOUND'> };
  extend: {
    args: ExtendArgs;
    result: Reply<
      { hold: HoldView },
      SaleClosed | 'HOLD_NOT_FOUND' | 'EXTENSION_LIMIT_REACHED' | 'HOLD_CAP_REACHED'
    >;
  };
  /** `offerFor`: the booking an offer's hold is claimed by. */
  book_hold: {
    args: { token: string; bookingId: string; offerFor?: string };
    result: Reply<Places, SaleClosed | 'HOLD_NOT_FOUND' | 'HOLD_EXPIRED'>;
  };
  book_best: {
    args: { bookingId: string; quantity: number; section?: string };
    result: Reply<Places, SaleClosed | 'NO_FIT'>;
  };
  /**
   * One booking or every booking of a group commit, committed in PostgreSQL. `watched`: a console
   * watches the event somewhere (realtime/console-watch.ts), so its booking news is worth sending.
   */
  settle: { args: { bookingId: string } | { bookingIds: string[] }; result: Reply<{ watched: boolean }> };
  unbook: { args: UnbookArgs; result: Reply<Places> };
  /** Pending bookings older than `graceMs` (at most 100). */
  pending_stale: { args: { graceMs: number }; result: Reply<{ ids: string[] }> };
  wl_join: {
    args: { bookingId: string; seq: number; quantity: number; section?: string };
    result: Reply<{ position: number }>;
  };
  wl_leave: { args: { bookingId: string }; result: Reply<{ removed: boolean }> };
  /** The first `limit` of the line, and its length. */
  wl_positions: { args: { limit: number }; result: Reply<{ ids: string[]; length: number }> };
  promote: {
    args: { mode: 'auto' | 'offer'; offerTtl: number; limit: number };
    result: Reply<{ promoted: Promotion[] }>;
  };
  /** `idle`: nothing can expire or heal and nothing changed for `idleMs`; `notices`: hold events queued. */
  sweep: { args: { idleMs: number }; result: Reply<{ idle: boolean; notices: number }> };
  block: { args: { seats: string[] }; result: Reply<None, 'UNKNOWN_SEATS' | 'SEAT_UNAVAILABLE'> };
  unblock: { args: { seats: string[] }; result: Reply<None> };
  /** Once per hold: at least `grace` ms from now, and no release when its widget goes away. */
  checkout: {
    args: { token: string; grace: number };
    result: Reply<{ hold: HoldView }, SaleClosed | 'HOLD_NOT_FOUND' | 'CHECKOUT_ALREADY_STARTED'>;
  };
  /** A widget that reconnects takes its hold back (clears the detached mark). */
  attach: { args: { token: string }; result: Reply<{ hold: HoldView }, 'HOLD_NOT_FOUND'> };
  detach: { args: { token: string; marker: string }; result: Reply<None> };
  release_detached: {
    args: { token: string; marker: string };
    result: Reply<{ released: string[] }, 'HOLD_NOT_FOUND'>;
  };
  cancel_event: { args: None; result: Reply<None> };
  snapshot: { args: None; result: Reply<Snapshot> };
  /** `repaired`: the seats, sections and waitlisted booking ids Redis had wrong. */
  reconcile: { args: ReconcileArgs; result: Reply<{ repaired: string[] }> };
}

export type Operation = keyof InventoryOps;
export type ArgsOf<Op extends Operation> = InventoryOps[Op]['args'];
export type ResultOf<Op extends Operation> = InventoryOps[Op]['result'];
/** A refusal any operation can give. */
export type InventoryRefusal = Extract<ResultOf<Operation>, { ok: false }>;

/** The event's inventory is not in Redis: load it and call again (Inventory.run does). */
export interface Cold {
  ok: false;
  code: 'COLD';
}
export const isCold = (result: { ok: boolean; code?: unknown }): result is Cold =>
  !result.ok && result.code === 'COLD';

/** The script answered something its contract does not allow: a bug, never the caller's fault. */
export class InventoryContractError extends Error {}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const strings = (value: unknown): string[] => list(value).map(String);
const number = (value: unknown): number => Number(value ?? 0);
const generalOf = (value: unknown): GeneralQuantity[] =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value as Record<string, unknown>).map(([section, quantity]) => ({
        section,
        quantity: Number(quantity),
      }))
    : [];
const offerOf = (value: unknown) => (typeof value === 'string' ? { offer: value } : {});
const placesOf = (r: Json): Places => ({ seats: strings(r.seats), general: generalOf(r.general) });

function holdOf(value: unknown): HoldView {
  const h = (value ?? {}) as Json;
  return {
    token: String(h.token),
    seats: strings(h.seats),
    general: generalOf(h.general),
    exp: Number(h.exp),
    ext: number(h.ext),
    ...offerOf(h.offer),
    ...(typeof h.x === 'string' ? { externalId: h.x } : {}),
    ...(typeof h.co === 'number' ? { checkoutAt: h.co } : {}),
  };
}

function expiredOf(value: unknown): ExpiredHold[] {
  return list(value).map((item) => {
    const e = item as Json;
    return {
      token: String(e.token),
      seats: strings(e.seats),
      general: generalOf(e.general),
      ...offerOf(e.offer),
    };
  });
}

const none = (): None => ({});
const detailDecoders: { [K in RefusalCode]: (r: Json) => RefusalDetails[K] } = {
  EVENT_NOT_ON_SALE: none,
  EVENT_CANCELLED: none,
  HOLD_NOT_FOUND: none,
  HOLD_EXPIRED: none,
  EXTENSION_LIMIT_REACHED: none,
  CHECKOUT_ALREADY_STARTED: none,
  VALIDATION_FAILED: none,
  UNKNOWN_SEATS: (r) => ({
    ...(r.seats === undefined ? {} : { seats: strings(r.seats) }),
    ...(r.sections === undefined ? {} : { sections: strings(r.sections) }),
  }),
  SEAT_UNAVAILABLE: (r) => ({
    seats: strings(r.seats),
    ...(r.general === undefined
      ? {}
      : {
          general: list(r.general).map((item) => {
            const s = item as Json;
            return {
              section: String(s.section),
              quantity: number(s.quantity),
              available: number(s.available),
            };
          }),
        }),
    ...(r.bestAvailable === true ? { bestAvailable: true as const } : {}),
  }),
  HOLD_LIMIT_EXCEEDED: (r) => ({ max: number(r.max) }),
  HOLD_CAP_REACHED: (r) => ({
    cap: r.cap === 'holds' ? 'holds' : 'seats',
    max: number(r.max),
    ...(r.held === undefined ? {} : { held: number(r.held) }),
  }),
  CHALLENGE_REQUIRED: (r) => (r.replayed === true ? { replayed: true as const } : {}),
  NO_FIT: (r) => ({ queue: r.queue === true }),
};

/**
 * The decoder of one operation: `success` reads an accepted answer; a refusal must carry one of
 * `codes` (anything else breaks the contract) and is read by its code's detail decoder.
 */
function operation<S, C extends RefusalCode = never>(
  success: (r: Json) => S,
  codes: readonly C[] = [],
): (r: Json, envelope: Envelope) => Reply<S, C> {
  return (r, envelope) => {
    if (r.ok === true) return { ok: true as const, ...success(r), ...envelope };
    const code = r.code as C;
    if (!codes.includes(code)) throw new InventoryContractError(`inventory refused with ${String(r.code)}`);
    const detailsOf = detailDecoders[code] as (r: Json) => RefusalDetails[C];
    return { ok: false, code, ...detailsOf(r), ...envelope } as unknown as Reply<S, C>;
  };
}

const SALE_CLOSED = ['EVENT_NOT_ON_SALE', 'EVENT_CANCELLED'] as const;
const hold = (r: Json) => ({ hold: holdOf(r.hold) });

const decoders: { [Op in Operation]: (r: Json, envelope: Envelope) => ResultOf<Op> } = {
  hold: operation(hold, [
    ...SALE_CLOSED,
    'HOLD_NOT_FOUND',
    'UNKNOWN_SEATS',
    'SEAT_UNAVAILABLE',
    'HOLD_LIMIT_EXCEEDED',
    'VALIDATION_FAILED',
    'HOLD_CAP_REACHED',
    'CHALLENGE_REQUIRED',
  ]),
  hold_get: operation(hold, ['HOLD_NOT_FOUND']),
  release: operation(
    (r) => ({ released: strings(r.released), ...(r.hold ? { hold: holdOf(r.hold) } : {}) }),
    ['HOLD_NOT_FOUND'],
  ),
  extend: operation(hold, [...SALE_CLOSED, 'HOLD_NOT_FOUND', 'EXTENSION_LIMIT_REACHED', 'HOLD_CAP_REACHED']),
  book_hold: operation(placesOf, [...SALE_CLOSED, 'HOLD_NOT_FOUND', 'HOLD_EXPIRED']),
  book_best: operation(placesOf, [...SALE_CLOSED, 'NO_FIT']),
  settle: operation((r) => ({ watched: r.watched === true })),
  unbook: operation(placesOf),
  pending_stale: operation((r) => ({ ids: strings(r.ids) })),
  wl_join: operation((r) => ({ position: number(r.position) })),
  wl_leave: operation((r) => ({ removed: number(r.removed) === 1 })),
  wl_positions: operation((r) => ({ ids: strings(r.ids), length: number(r.length) })),
  promote: operation((r) => ({
    promoted: list(r.promoted).map((item) => {
      const p = item as Json;
      return {
        bookingId: String(p.bookingId),
        ...placesOf(p),
        ...(typeof p.token === 'string' ? { token: p.token, exp: Number(p.exp) } : {}),
      };
    }),
  })),
  sweep: operation((r) => ({ idle: r.idle === true, notices: number(r.notices) })),
  block: operation(none, ['UNKNOWN_SEATS', 'SEAT_UNAVAILABLE']),
  unblock: operation(none),
  checkout: operation(hold, [...SALE_CLOSED, 'HOLD_NOT_FOUND', 'CHECKOUT_ALREADY_STARTED']),
  attach: operation(hold, ['HOLD_NOT_FOUND']),
  detach: operation(none),
  release_detached: operation((r) => ({ released: strings(r.released) }), ['HOLD_NOT_FOUND']),
  cancel_event: operation(none),
  snapshot: operation((r) => {
    const state = strings(r.state);
    const counts = strings(r.counts);
    const pairs: [string, string][] = [];
    for (let i = 0; i + 1 < state.length; i += 2) pairs.push([state[i]!, state[i + 1]!]);
    const countsByKey: Record<string, number> = {};
    for (let i = 0; i + 1 < counts.length; i += 2) countsByKey[counts[i]!] = Number(counts[i + 1]);
    return {
      status: String(r.status),
      state: pairs,
      counts: countsByKey,
      waitlist: number(r.waitlist),
      holds: number(r.holds),
    };
  }),
  reconcile: operation((r) => ({ repaired: strings(r.repaired) })),
};

/** Every operation of the contract, at run time (tests check the Lua side defines the same). */
export const OPERATIONS = Object.keys(decoders) as Operation[];

/** Reads the script's JSON answer to `op`: its typed result, or `Cold` when the event is not loaded. */
export function decodeReply<Op extends Operation>(op: Op, raw: string): ResultOf<Op> | Cold {
  const r = JSON.parse(raw) as Json;
  if (r.ok === false && r.code === 'COLD') return { ok: false, code: 'COLD' };
  if (r.ok === false && r.code === 'UNKNOWN_OPERATION')
    throw new InventoryContractError(`unknown operation ${op}`);
  return decoders[op](r, { v: Number(r.v), expired: expiredOf(r.expired), noticed: r.noticed === true });
}
