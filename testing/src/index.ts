export { axeViolations } from './axe.js';
export { CHROMIUM_ARGS, CHROMIUM_PATH, launchChromium } from './chromium.js';
export { closedPort, servicePort } from './ports.js';
export { type ClusterNode, type LocalRedisCluster, startRedisCluster } from './redis-cluster.js';
