/**
 * `npm run worker`: consumes the notifications queue until SIGTERM/SIGINT, then stops consuming,
 * finishes the deliveries in flight and closes its connections. `/healthz`, `/readyz` and
 * `/metrics` listen on WORKER_HTTP_HOST:WORKER_HTTP_PORT from the start, so an orchestrator sees
 * a worker that is still waiting for its database as alive but not ready.
 */
import { armShutdownWatchdog } from '@happening/runtime';
import { ConfigError, loadWorkerConfig } from './config.js';
import { createLogger } from './logger.js';
import { NotificationWorker } from './notification-worker.js';
import { startOpsServer } from './ops-server.js';

let config: ReturnType<typeof loadWorkerConfig>;
try {
  config = loadWorkerConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78); // EX_CONFIG
  }
  throw error;
}

const log = createLogger(config);
const worker = new NotificationWorker(config, log);
const ops = await startOpsServer({
  host: config.WORKER_HTTP_HOST,
  port: config.WORKER_HTTP_PORT,
  metrics: worker.metrics,
  readiness: () => worker.readiness(),
});
log.info({ port: ops.port }, 'ops endpoints listening (/healthz, /readyz, /metrics)');

/** Longest stop: in-flight deliveries (each bounded by SMTP/webhook timeouts), then connections. */
const STOP_DEADLINE_MS = 30_000;
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  // In-flight deliveries are bounded by their own timeouts; nothing may hold the stop past this.
  armShutdownWatchdog(STOP_DEADLINE_MS);
  log.info({ signal }, 'stopping: finishing in-flight deliveries');
  await worker.stop();
  await ops.close();
  log.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

await worker.start();
