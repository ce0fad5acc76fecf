/**
 * What the inventory script publishes on the Redis channel `happening:inventory` after every call
 * that changed an event (`finish` in `server/src/inventory/lua/lib/core.lua`). Servers read it to
 * build the Socket.IO `seats` and `hold-expired` messages (`server/src/realtime/fanout.ts`); no
 * client ever sees it. One-letter keys because it is published once per state change, at the rate
 * of the sale. docs/inventory.md describes it.
 *
 * cjson encodes an empty Lua table as `{}`, so every list may arrive as an empty object.
 */
export interface InventoryChangeMessage {
  /** The event's id. */
  e: string;
  /** The event's version after this change; one more than the previous message of the event. */
  v: number;
  /** The seats that changed, in order (a seat may appear more than once). */
  c: InventorySeatChange[] | EmptyLuaTable;
  /** Whether general-admission counters changed (they are not listed; read the counts). */
  g: boolean;
  /** The holds this call found expired and freed: `[holdToken, seat ids]`. */
  x: [holdToken: string, seats: string[] | EmptyLuaTable][] | EmptyLuaTable;
  /** Whether the waitlist changed (someone joined, left or was served). */
  w: boolean;
}

/**
 * One seat's new state: its id, its status, its raw state (`h:<holdToken>`, `b:<bookingId>`, `x`
 * for blocked, `''` for available) and, for a held seat, its hold's expiry (ms since the epoch).
 */
export type InventorySeatChange = [
  seatId: string,
  status: 'available' | 'held' | 'booked' | 'blocked',
  state: string,
  holdExpiresAt?: number,
];

/** An empty list as cjson encodes it. */
export type EmptyLuaTable = Record<string, never>;
