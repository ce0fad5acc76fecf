import { readFileSync } from 'node:fs';
import type { RedisClient } from '@happening/runtime';
import type { ErrorCode, GeneralQuantity } from '@happening/shared';
import type { Result } from 'ioredis';
import { INVENTORY_KEY_NAMES, inventoryKeys, noProofKey } from './keys.js';

const inventoryLua = readFileSync(new URL('./inventory.lua', import.meta.url), 'utf8');
const loadLua = readFileSync(new URL('./load.lua', import.meta.url), 'utf8');
const evictLua = readFileSync(new URL('./evict.lua', import.meta.url), 'utf8');

declare module 'ioredis' {
  interface RedisCommander<Context> {
    happeningInventory(...keysAndArgs: string[]): Result<string, Context>;
    happeningLoad(numKeys: number, ...keys: string[]): Result<number, Context>;
    happeningEvict(numKeys: number, ...keysAndArgs: string[]): Result<EvictOutcome, Context>;
  }
}

export function defineInventoryCommands(redis: RedisClient): void {
  if (typeof redis.happeningInventory === 'function') return;
  // The inventory's keys, then the call's proof key (see keys.ts).
  redis.defineCommand('happeningInventory', {
    numberOfKeys: inventoryKeys('x').length + 1,
    lua: inventoryLua,
  });
  redis.defineCommand('happeningLoad', { lua: loadLua });
  redis.defineCommand('happeningEvict', { lua: evictLua });
}

export type EvictOutcome = 'cold' | 'busy' | 'recent' | 'evicted';

/**
 * Deletes the event's inventory unless a hold or a pending booking lives in it, or it was loaded
 * or changed within `idleMs`. `over` also stops its sale (meta status `over`), busy or not.
 */
export function evictInventory(
  redis: RedisClient,
  eventId: string,
  { idleMs, over }: { idleMs: number; over: boolean },
): Promise<EvictOutcome> {
  const keys = inventoryKeys(eventId);
  // Lua indexes from 1; the script finds these two keys by position, whatever keys are added later.
  const position = (name: (typeof INVENTORY_KEY_NAMES)[number]) =>
    String(INVENTORY_KEY_NAMES.indexOf(name) + 1);
  return redis.happeningEvict(
    keys.length,
    ...keys,
    String(idleMs),
    over ? '1' : '0',
    position('hexp'),
    position('pending'),
  );
}

/** Lua encodes empty tables as `{}`; every list we read goes through this. */
export const asList = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);
export const asGeneral = (value: unknown): GeneralQuantity[] =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value as Record<string, number>).map(([section, quantity]) => ({ section, quantity }))
    : [];

export interface ExpiredHold {
  token: string;
  seats: string[];
  general: GeneralQuantity[];
  /** Set when the hold was a waitlist offer: the booking that did not claim it in time. */
  offer?: string;
}

export interface HoldView {
  token: string;
  seats: string[];
  general: GeneralQuantity[];
  exp: number;
  ext: number;
  offer?: string;
}

export type ScriptResult = {
  ok: boolean;
  code?: ErrorCode | 'COLD' | 'NO_FIT' | 'UNKNOWN_OPERATION';
  v: number;
  expired: ExpiredHold[];
  [field: string]: unknown;
};

export type Operation =
  | 'hold'
  | 'hold_get'
  | 'release'
  | 'extend'
  | 'book_hold'
  | 'book_best'
  | 'settle'
  | 'unbook'
  | 'pending_stale'
  | 'wl_join'
  | 'wl_leave'
  | 'wl_positions'
  | 'promote'
  | 'sweep'
  | 'block'
  | 'unblock'
  | 'attach'
  | 'detach'
  | 'release_detached'
  | 'cancel_event'
  | 'snapshot'
  | 'reconcile';

/** One call of the inventory script: one atomic state change of one event. */
export async function runInventoryScript(
  redis: RedisClient,
  eventId: string,
  operation: Operation,
  args: Record<string, unknown>,
  proofKey: string = noProofKey(eventId),
): Promise<ScriptResult> {
  const raw = await redis.happeningInventory(
    ...inventoryKeys(eventId),
    proofKey,
    operation,
    eventId,
    JSON.stringify(args),
  );
  const result = JSON.parse(raw) as ScriptResult;
  result.expired = asList<Record<string, unknown>>(result.expired).map((e) => ({
    token: String(e.token),
    seats: asList<string>(e.seats),
    general: asGeneral(e.general),
    ...(typeof e.offer === 'string' ? { offer: e.offer } : {}),
  }));
  return result;
}

export function toHoldView(value: unknown): HoldView {
  const h = value as Record<string, unknown>;
  return {
    token: String(h.token),
    seats: asList<string>(h.seats),
    general: asGeneral(h.general),
    exp: Number(h.exp),
    ext: Number(h.ext ?? 0),
    ...(typeof h.offer === 'string' ? { offer: h.offer } : {}),
  };
}
