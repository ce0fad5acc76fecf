/**
 * Redis keys of one event. Every key carries the hash tag {<eventId>} so one event's keys live in
 * one Redis Cluster slot and its Lua scripts can touch them together (invariant 5, docs/architecture.md).
 */
export const INVENTORY_KEY_NAMES = [
  'meta', // hash: status, v (version), sections (JSON list in map order), loadedAt
  'ids', // set: every reserved seat id
  'state', // hash: seat id → h:<holdToken> | b:<bookingId> | x (blocked); absent = available
  'holds', // hash: hold token → JSON {s: seats, g: {section: qty}, exp, ext, born, o?: offered booking, d?}
  'hexp', // zset: hold token by expiry (ms), for the sweeper and in-script expiry
  'counts', // hash: <section>:cap|held|booked|blocked
  'layout', // hash: section → JSON {k: 'r', r: [[rowLabel, [numbers…]]…]} or {k: 'g'}
  'wl', // zset: waitlisted booking id by its PostgreSQL sequence number (strict FIFO)
  'wlq', // hash: booking id → JSON {q: party size, s: section}
  'pending', // zset: booking ids booked in Redis whose PostgreSQL commit is not confirmed yet
  'pendingd', // hash: pending booking id → JSON {s, g}: what to roll back if the commit never comes
  'settled', // zset: booking ids settled recently, so a reconcile with an older read leaves them alone
] as const;

export type InventoryKeyName = (typeof INVENTORY_KEY_NAMES)[number];

export function inventoryKeys(eventId: string): string[] {
  return INVENTORY_KEY_NAMES.map((name) => `inv:{${eventId}}:${name}`);
}

export function stagingKeys(eventId: string, loaderId: string): string[] {
  return INVENTORY_KEY_NAMES.map((name) => `inv:{${eventId}}:stage:${loaderId}:${name}`);
}

export const loadLockKey = (eventId: string) => `inv:{${eventId}}:loading`;

/** Events with live inventory, for the sweeper. Outside any hash tag: read with plain commands. */
export const ACTIVE_EVENTS_KEY = 'inv:active-events';

export const INVENTORY_CHANNEL = 'happening:inventory';
