import { Cluster, type ClusterNode, Redis } from 'ioredis';

/** A connection to Redis: one node (`REDIS_URL`) or a Redis Cluster (`REDIS_CLUSTER_NODES`). */
export type RedisClient = Redis | Cluster;

export interface RedisSettings {
  REDIS_URL: string;
  /** Comma-separated `host:port` seed nodes; when set, every client is a Cluster client. */
  REDIS_CLUSTER_NODES: string;
}

export interface RedisClientOptions {
  /** Shown by CLIENT LIST, so an operator can tell which process holds a connection. */
  name: string;
  /**
   * Commands issued in the same tick leave in one write. One node only: a cluster client never
   * pipelines automatically (see `createRedisClient`). Only for a main client: subscribers get
   * connections of their own, and nothing blocking runs on it.
   */
  autoPipelining?: boolean;
}

export function clusterNodesOf(setting: string): ClusterNode[] {
  return setting
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const colon = entry.lastIndexOf(':');
      return { host: entry.slice(0, colon), port: Number(entry.slice(colon + 1)) };
    });
}

/** Fail a command after two reconnect attempts instead of queueing it for ever: a request must answer, not hang. */
const commandRetries = {
  maxRetriesPerRequest: 2,
  retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
};

export function createRedisClient(settings: RedisSettings, options: RedisClientOptions): RedisClient {
  const nodes = clusterNodesOf(settings.REDIS_CLUSTER_NODES);
  if (nodes.length === 0) {
    return new Redis(settings.REDIS_URL, {
      connectionName: options.name,
      enableAutoPipelining: options.autoPipelining ?? false,
      ...commandRetries,
    });
  }
  return new Cluster(nodes, {
    redisOptions: { connectionName: options.name, ...commandRetries },
    // Not on a cluster: a command that meets MOVED while the slot changes hands (a failover) is
    // redirected by ioredis on its own, but inside an automatic pipeline the MOVED reaches the
    // caller (seen in server/test/redis-cluster-failover.test.ts as 500s mid-failover).
    enableAutoPipelining: false,
    // Sharded pub/sub (SSUBSCRIBE) goes to the node that owns each channel's slot.
    shardedSubscribers: true,
    clusterRetryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    // A failover moves slots: refresh the map soon after a MOVED, and retry the command there.
    retryDelayOnMoved: 50,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
  });
}

/**
 * Another connection with the same settings (one node or the same cluster) under its own name,
 * for subscribers and publishers that must not share the main client's pipeline.
 */
export function duplicateRedis(client: RedisClient, name: string): RedisClient {
  if (client instanceof Cluster) {
    return client.duplicate([], {
      redisOptions: { ...client.options.redisOptions, connectionName: name },
      enableAutoPipelining: false,
    });
  }
  return client.duplicate({ connectionName: name, enableAutoPipelining: false });
}

/** QUIT lets pending replies arrive; resolve only once the connection is really closed. */
export async function closeRedis(redis: RedisClient): Promise<void> {
  if (redis.status !== 'ready') {
    // Between reconnect attempts there is no socket to close, and ioredis emits no 'end'.
    redis.disconnect();
    return;
  }
  // Not events.once: it would reject on an 'error' event.
  const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
  await redis.quit().catch(() => redis.disconnect());
  await ended;
}
