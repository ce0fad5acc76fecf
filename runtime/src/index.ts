export { brokerUrlsOf } from './broker.js';
export { nonBlockingStdout } from './log-destination.js';
export {
  closeRedis,
  clusterNodesOf,
  createRedisClient,
  duplicateRedis,
  type RedisClient,
  type RedisSettings,
} from './redis.js';
export { armShutdownWatchdog } from './shutdown-watchdog.js';
