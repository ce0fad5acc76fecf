import { readFileSync } from 'node:fs';
import type { RedisClient } from '@happening/runtime';
import type { Cluster, Result } from 'ioredis';
import { type ArgsOf, type Cold, decodeReply, type Operation, type ResultOf } from './contract.js';

// The bench calls the script through this module alone.
export { isCold } from './contract.js';

import { inventoryLibrary } from './inventory-script.js';
import { INVENTORY_KEY_NAMES, scriptKeys } from './keys.js';

const inventory = inventoryLibrary();
const loadLua = readFileSync(new URL('./load.lua', import.meta.url), 'utf8');
const evictLua = readFileSync(new URL('./evict.lua', import.meta.url), 'utf8');

declare module 'ioredis' {
  interface RedisCommander<Context> {
    happeningLoad(numKeys: number, ...keys: string[]): Result<number, Context>;
    happeningEvict(numKeys: number, ...keysAndArgs: string[]): Result<EvictOutcome, Context>;
  }
}

/** The loader's install and the evictor: rare calls, sent as scripts (EVALSHA, EVAL when not cached). */
export function defineInventoryCommands(redis: RedisClient): void {
  if (typeof redis.happeningLoad === 'function') return;
  redis.defineCommand('happeningLoad', { lua: loadLua });
  redis.defineCommand('happeningEvict', { lua: evictLua });
}

/** What Redis answers a call of a function it has not loaded (a fresh or restarted node, a new primary). */
const isFunctionMissing = (error: unknown) =>
  error instanceof Error && /function not found/i.test(error.message);

const loading = new WeakMap<RedisClient, Promise<void>>();

/**
 * Loads the inventory library into Redis: on a cluster into every primary this client knows
 * (replicas get it by replication, so a promoted replica already has it). Loading a library that
 * is there already is no error (its name is its code's hash), nor is a primary that cannot be
 * reached (the call that needs it will say so); it fails only when no node took it. Concurrent
 * callers share one load.
 */
export function loadInventoryLibrary(redis: RedisClient): Promise<void> {
  let pending = loading.get(redis);
  if (!pending) {
    const nodes = redis.isCluster ? (redis as Cluster).nodes('master') : [redis];
    pending = Promise.allSettled(
      nodes.map((node) =>
        node.call('FUNCTION', 'LOAD', inventory.code).catch((error: unknown) => {
          if (!(error instanceof Error && /already exists/i.test(error.message))) throw error;
        }),
      ),
    )
      .then((outcomes) => {
        if (outcomes.length > 0 && outcomes.every((outcome) => outcome.status === 'rejected'))
          throw (outcomes[0] as PromiseRejectedResult).reason;
      })
      .finally(() => loading.delete(redis));
    loading.set(redis, pending);
  }
  return pending;
}

/** What every release's inventory library is called before its hash (inventory-script.ts). */
const LIBRARY_PREFIX = 'happening_inventory_';

/**
 * Deletes the inventory libraries of other releases from Redis (every primary of a cluster) and
 * names them. Each release loads its own and Redis keeps functions in its dump, so they pile up;
 * run this once a deploy is complete. A server of another release that is still running loads its
 * own again on its next call (one round trip), so it is harmless then, only wasted. Libraries of
 * other applications sharing the Redis are left alone.
 */
export async function pruneInventoryLibraries(redis: RedisClient): Promise<string[]> {
  const nodes = redis.isCluster ? (redis as Cluster).nodes('master') : [redis];
  const removed = new Set<string>();
  for (const node of nodes) {
    // A glob of names; each library comes as a flat list: library_name, <name>, engine, LUA, …
    const pattern = `${LIBRARY_PREFIX}*`;
    const libraries = (await node.call('FUNCTION', 'LIST', 'LIBRARYNAME', pattern)) as unknown[][];
    for (const library of libraries) {
      const name = String(library[library.indexOf('library_name') + 1]);
      if (!name.startsWith(LIBRARY_PREFIX) || name === inventory.name) continue;
      await node.call('FUNCTION', 'DELETE', name);
      removed.add(name);
    }
  }
  return [...removed];
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
  // The inventory's keys, then the call's proof key (see keys.ts).
  const keys = scriptKeys.inventory(eventId, proofKey);
  const call = () =>
    redis.fcall(
      inventory.name,
      keys.length,
      ...keys,
      operation,
      eventId,
      JSON.stringify(args),
    ) as Promise<string>;
  let raw: string;
  try {
    raw = await call();
  } catch (error) {
    // Loaded on first use, and again wherever Redis lost it: like EVALSHA's NOSCRIPT, once.
    if (!isFunctionMissing(error)) throw error;
    await loadInventoryLibrary(redis);
    raw = await call();
  }
  return decodeReply(operation, raw);
}
