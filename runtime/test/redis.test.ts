import { type LocalRedisCluster, startRedisCluster } from '@happening/testing';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, createRedisClient, type RedisClient } from '../src/redis.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function roundTrip(client: RedisClient, tag: string) {
  // Keys of one hash tag in one script: what every inventory operation does.
  const key = `runtime-test:{${tag}}:a`;
  const other = `runtime-test:{${tag}}:b`;
  const result = await client.eval(
    "redis.call('SET', KEYS[1], ARGV[1], 'PX', 5000) redis.call('SET', KEYS[2], ARGV[1], 'PX', 5000) return redis.call('GET', KEYS[2])",
    2,
    key,
    other,
    'v',
  );
  expect(result).toBe('v');
  // Sharded pub/sub on a channel of the same tag reaches a duplicate's subscription.
  const subscriber = client.duplicate();
  const received = new Promise<string>((resolve) =>
    subscriber.on('smessage', (_channel, message) => resolve(message)),
  );
  await subscriber.ssubscribe(`runtime-test:{${tag}}:changes`);
  await client.spublish(`runtime-test:{${tag}}:changes`, 'hello');
  expect(await received).toBe('hello');
  await closeRedis(subscriber);
}

describe('createRedisClient', () => {
  let cluster: LocalRedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('is a single-node client when REDIS_CLUSTER_NODES is empty', async () => {
    const client = createRedisClient({ REDIS_URL, REDIS_CLUSTER_NODES: '' }, { name: 'runtime-test' });
    expect(client).toBeInstanceOf(Redis);
    await roundTrip(client, 'single');
    await closeRedis(client);
    expect(client.status).toBe('end');
  });

  it('is a Cluster client on the seed nodes, with scripts and sharded pub/sub on every shard', async () => {
    const client = createRedisClient(
      { REDIS_URL, REDIS_CLUSTER_NODES: cluster.seeds },
      { name: 'runtime-test', autoPipelining: true },
    );
    expect(client).toBeInstanceOf(Cluster);
    // Tags that land on different primaries.
    for (const tag of ['a', 'b', 'c', 'd', 'e', 'f']) await roundTrip(client, tag);
    await closeRedis(client);
    expect(client.status).toBe('end');
  });
});
