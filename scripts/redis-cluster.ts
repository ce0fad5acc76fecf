/**
 * `npm run redis:cluster`: a local 6-node Redis Cluster (3 primaries, 3 replicas) from the
 * installed redis-server, on free ports, until Ctrl+C. Point the product at it with the
 * `REDIS_CLUSTER_NODES` line it prints.
 */
import { startRedisCluster } from '@happening/testing';

const cluster = await startRedisCluster();
console.log(
  `Redis Cluster is up (3 primaries, 3 replicas).\n\n  REDIS_CLUSTER_NODES=${cluster.seeds}\n\nStop: Ctrl+C`,
);
const stop = async () => {
  await cluster.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
