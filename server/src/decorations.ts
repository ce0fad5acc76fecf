/**
 * The decorations the plugins declare on Fastify's types (`app.pg`, `app.inventory`, …). A module
 * augmentation reaches a program only through a file that program loads, and the declaration of
 * `buildApp` names no plugin: app.ts imports this file so that `@happening/server`'s types carry
 * every decoration, and a package that builds the app (the test harness) sees the instance the
 * server's own code sees. Each of these modules is loaded by app.ts anyway.
 */
import './plugins/auth.js';
import './plugins/config.js';
import './plugins/health.js';
import './plugins/hold-guard.js';
import './plugins/inventory.js';
import './plugins/metrics.js';
import './plugins/operators.js';
import './plugins/ops-server.js';
import './plugins/outbox-relay.js';
import './plugins/postgres.js';
import './plugins/rabbitmq.js';
import './plugins/redis.js';
import './plugins/socketio.js';
import './plugins/waiting-room.js';
