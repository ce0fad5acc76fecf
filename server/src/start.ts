import { armShutdownWatchdog } from '@happening/runtime';
import closeWithGrace from 'close-with-grace';
import type { FastifyPluginAsync } from 'fastify';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { migrate } from './db/migrate.js';

/** How long a stop may take: in-flight requests and socket goodbyes, then connections closed. */
const GRACE_MS = 10_000;

/**
 * Starts the server: config, migrations, listen, and a graceful close on SIGTERM/SIGINT.
 * `plugins` are registered after the application, with every decoration available: the product
 * passes none; the benchmarks mount their peer routes this way (bench/peers/booking-routes.ts), so
 * a peer runs behind exactly the product's stack without shipping in it.
 */
export async function startServer(plugins: FastifyPluginAsync[] = []): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  await migrate(config.DATABASE_URL);
  const app = await buildApp(config, {}, plugins);

  // In-flight requests finish; sockets are told to reconnect; every client connection is closed.
  // close-with-grace exits after its delay; the watchdog is there for a main thread that cannot.
  closeWithGrace({ delay: GRACE_MS }, async ({ signal, err }) => {
    armShutdownWatchdog(GRACE_MS + 2_000);
    if (err) app.log.error({ err }, 'closing after a fatal error');
    else app.log.info({ signal }, 'closing gracefully');
    await app.close();
  });

  await app.listen({ port: config.PORT, host: config.HOST });
  // Metrics and readiness details: an interface of the operators' choosing, loopback by default.
  const ops = await app.ops.listen({ port: config.OPS_PORT, host: config.OPS_HOST });
  app.log.info(`operations endpoints (/metrics, /readyz, /healthz) at ${ops}`);
}
