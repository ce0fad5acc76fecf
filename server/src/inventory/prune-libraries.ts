/**
 * `npm run redis:prune-libraries -w server`: after a deploy, deletes the inventory libraries of
 * earlier releases from Redis (see pruneInventoryLibraries), with the server's own configuration
 * (REDIS_URL or REDIS_CLUSTER_NODES), and prints their names.
 */
import { closeRedis, createRedisClient } from '@happening/runtime';
import { loadConfig } from '../config.js';
import { pruneInventoryLibraries } from './redis-inventory.js';

const config = loadConfig();
const redis = createRedisClient(config, { name: 'happening-prune-libraries' });
try {
  const removed = await pruneInventoryLibraries(redis);
  console.log(removed.length === 0 ? 'no library of an earlier release' : `deleted ${removed.join(', ')}`);
} finally {
  await closeRedis(redis);
}
