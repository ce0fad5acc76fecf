import { readFileSync } from 'node:fs';
import type { RedisClient } from '@happening/runtime';
import type { Result } from 'ioredis';
import { type ArgsOf, type Cold, decodeReply, type Operation, type ResultOf } from './contract.js';

// The bench calls the script through this module alone.
export { isCold } from './contract.js';

import { inventoryScript } from './inventory-script.js';
import { INVENTORY_KEY_NAMES, scriptKeys } from './keys.js';

const inventoryLua = inventoryScript();
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
    numberOfKeys: scriptKeys.inventory('x').length,
    lua: inventoryLua,
  });
  redis.defineCommand('happeningLoad', { lua: loadLua });
  redis.defineCommand('happeningEvict', { lua: evictLua });
}

export type EvictOutcome = 'cold' | 'busy' | 'recent' | 'evicted';

/**
 * Deletes the event's inventory unless a hold, a pending booking or a hold event not yet in the
 * outbox lives in it, or it was loaded
 * or changed within `idleMs`. `over` also stops its sale (meta status `over`), busy or not.
 */
export function evictInventory(
  redis: RedisClient,
  eventId: string,
  { idleMs, over }: { idleMs: number; over: boolean },
): Promise<EvictOutcome> {
  const keys = scriptKeys.evict(eventId);
  // Lua indexes from 1; the script finds these keys by position, whatever keys are added later.
  const position = (name: (typeof INVENTORY_KEY_NAMES)[number]) =>
    String(INVENTORY_KEY_NAMES.indexOf(name) + 1);
  return redis.happeningEvict(
    keys.length,
    ...keys,
    String(idleMs),
    over ? '1' : '0',
    position('hexp'),
    position('pending'),
    position('notices'),
  );
}

/** One call of the inventory script: one atomic state change of one event, typed by its contract. */
export async function runInventoryScript<Op extends Operation>(
  redis: RedisClient,
  eventId: string,
  operation: Op,
  args: ArgsOf<Op>,
  proofKey?: string,
): Promise<ResultOf<Op> | Cold> {
  const raw = await redis.happeningInventory(
    ...scriptKeys.inventory(eventId, proofKey),
    operation,
    eventId,
    JSON.stringify(args),
  );
  return decodeReply(operation, raw);
}
