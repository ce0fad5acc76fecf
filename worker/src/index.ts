/** The worker as a library: what `worker.ts` runs, and what integration tests start in-process. */
export { loadWorkerConfig, type WorkerConfig } from './config.js';
export { InAppPush } from './in-app-push.js';
export { createLogger } from './logger.js';
export { NotificationWorker } from './notification-worker.js';
export { renderEmail } from './templates/index.js';
