/**
 * Redis keys of one event. Every key carries the hash tag {<eventId>} so one event's keys live in
 * one Redis Cluster slot and its Lua scripts can touch them together (invariant 5, docs/architecture.md).
 */
export const INVENTORY_KEY_NAMES = [
  'meta', // hash: status, v (version), sections (JSON list in map order), loadedAt, capSeats, capHolds (per address)
  'ids', // set: every reserved seat id
  'state', // hash: seat id → h:<holdToken> | b:<bookingId> | x (blocked); absent = available
  'holds', // hash: hold token → JSON {s: seats, g: {section: qty}, exp, ext, born, o?: offered booking, d?, a?: address key, c?: places charged to it, xi?: externalId, n?: hold events wanted ('w','x','e'), nl?: warning lead (ms), co?: checkout time}
  'hexp', // zset: hold token by expiry (ms), for the sweeper and in-script expiry
  'counts', // hash: <section>:cap|held|booked|blocked, <section>:row:<label> (reserved seats held, booked or blocked in that row), <section>:front (rows from the front known to be full)
  'layout', // hash: section → JSON {k: 'r', r: [[rowLabel, [numbers…]]…]} or {k: 'g'}; per reserved
  // section also `<section>:rows` → [[rowLabel, seats]…] and `<section>:row:<rowLabel>` → [numbers…]
  'wl', // zset: waitlisted booking id by its PostgreSQL sequence number (strict FIFO)
  'wlq', // hash: booking id → JSON {q: party size, s: section}
  'pending', // zset: booking ids booked in Redis whose PostgreSQL commit is not confirmed yet
  'pendingd', // hash: pending booking id → JSON {s, g}: what to roll back if the commit never comes
  'settled', // zset: booking ids settled recently, so a reconcile with an older read leaves them alone
  'addr', // hash: <address key>:s → places held, <address key>:h → open holds (publishable-key holds only)
  'notices', // zset: hold events (JSON {k, t, exp, s, g, at, x?, pe?, r?, n?}) by time, until the server moved them into the outbox
  'warn', // zset: hold token → when its `hold_expiring` is due (ms), for holds whose organization wants it
  'occupancy', // hash: <section>:<rowLabel> → one byte per seat number n: '1' held, booked or blocked, '0' free, '.' no seat n (lua/lib/core.lua, set_state)
] as const;

export type InventoryKeyName = (typeof INVENTORY_KEY_NAMES)[number];

export function inventoryKeys(eventId: string): string[] {
  return INVENTORY_KEY_NAMES.map((name) => `inv:{${eventId}}:${name}`);
}

export function stagingKeys(eventId: string, loaderId: string): string[] {
  return INVENTORY_KEY_NAMES.map((name) => `inv:{${eventId}}:stage:${loaderId}:${name}`);
}

/**
 * Marks one proof-of-work solution spent (SET by the hold script, expiring with its challenge), so
 * it is accepted once across every server. `challenge` is the solved challenge's hash (hex).
 */
export const proofKey = (eventId: string, challenge: string) => `inv:{${eventId}}:proof:${challenge}`;
/** What the hold script gets as its proof key when the call carries no solution; never written. */
export const noProofKey = (eventId: string) => `inv:{${eventId}}:proof:-`;

/**
 * Set (expiring) while a console watches the event on any server, refreshed by that server
 * (realtime/console-watch.ts); the inventory's `settle` says whether it exists, so booking news
 * nobody can receive is not broadcast. Not one of the inventory's keys: a rebuild or an eviction of
 * the inventory must not forget who watches.
 */
export const consoleWatchKey = (eventId: string) => `inv:{${eventId}}:consoles`;

/**
 * One event's waiting room (waiting-room/queue.lua), apart from the inventory's keys so that a
 * rebuild or eviction of the inventory never touches the line: state (hash: seq, opened, soldOut,
 * meter), pre (zset: pre-queue by secure random key), line (zset: waiting ticket by sequence),
 * tickets (hash: ticket → JSON record), active (zset: admitted ticket by admission expiry), admits
 * (zset: admission times, the last 10 minutes), series (list: the console's samples).
 */
export const QUEUE_KEY_NAMES = ['state', 'pre', 'line', 'tickets', 'active', 'admits', 'series'] as const;
/** Events whose waiting room has a line, for every server's admission tick. Outside any hash tag. */
export const WAITING_ROOMS_KEY = 'wr:active-events';

export const loadLockKey = (eventId: string) => `inv:{${eventId}}:loading`;

/**
 * The keys each script of one event is called with, in order: the one place they are listed, so
 * `cluster-slots.test.ts` can check that every call stays in one Redis Cluster slot (invariant 5).
 */
export const scriptKeys = {
  /** The inventory script (every operation): the inventory's keys, the call's proof key, the console watch key. */
  inventory: (eventId: string, proof: string = noProofKey(eventId)) => [
    ...inventoryKeys(eventId),
    proof,
    consoleWatchKey(eventId),
  ],
  /** load.lua: the live keys, then one loader's staged keys in the same order. */
  install: (eventId: string, loaderId: string) => [
    ...inventoryKeys(eventId),
    ...stagingKeys(eventId, loaderId),
  ],
  /** evict.lua: the inventory's keys. */
  evict: (eventId: string) => inventoryKeys(eventId),
  /** The waiting room's script (waiting-room/queue.lua): its own keys, then the inventory's it reads. */
  queue: (eventId: string) => [
    ...QUEUE_KEY_NAMES.map((name) => `wr:{${eventId}}:${name}`),
    `inv:{${eventId}}:meta`,
    `inv:{${eventId}}:counts`,
    `inv:{${eventId}}:holds`,
  ],
  /** The loader's compare-and-delete of its lock. */
  unlock: (eventId: string) => [loadLockKey(eventId)],
};

/** Events with live inventory, for the sweeper. Outside any hash tag: read with plain commands. */
export const ACTIVE_EVENTS_KEY = 'inv:active-events';

export const INVENTORY_CHANNEL = 'happening:inventory';
