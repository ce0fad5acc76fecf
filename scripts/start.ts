/**
 * `npm start`: the whole product on one machine. Checks Redis, RabbitMQ and PostgreSQL (starting
 * them with docker compose when a Docker engine is there, otherwise saying how), migrates, seeds a
 * demo on an empty database, then runs the server, the worker, the partner demo page and the
 * console's web build, and prints where to go. A part that dies is restarted with backoff
 * (scripts/supervisor.ts); Ctrl+C stops them all.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@happening/server/config';
import { migrate } from '@happening/server/db/migrate';
import { seedDemo } from '@happening/server/db/seed';
import { startDevMailCatcher } from './dev-mail.js';
import { dockerEngineAvailable, reachable, type Service, waitUntilReachable } from './services.js';
import { type Part, Supervisor } from './supervisor.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const config = loadConfig();

const services: Service[] = [
  {
    name: 'PostgreSQL',
    url: config.DATABASE_URL,
    defaultPort: 5432,
    composeService: 'postgres',
    startCommand:
      'sudo apt-get install -y postgresql && sudo pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  },
  {
    name: 'Redis',
    url: config.REDIS_URL,
    defaultPort: 6379,
    composeService: 'redis',
    startCommand:
      'sudo apt-get install -y redis-server && redis-server --daemonize yes --save "" --appendonly no',
  },
  {
    name: 'RabbitMQ',
    url: config.RABBITMQ_URL,
    defaultPort: 5672,
    composeService: 'rabbitmq',
    startCommand: 'sudo apt-get install -y rabbitmq-server && sudo rabbitmq-server -detached',
  },
];

async function ensureServices(): Promise<void> {
  const missing: Service[] = [];
  for (const service of services)
    if (!(await reachable(service.url, service.defaultPort))) missing.push(service);
  if (missing.length === 0) return;

  if (dockerEngineAvailable()) {
    console.log(`Starting ${missing.map((s) => s.name).join(', ')} with docker compose…`);
    const result = spawnSync(
      'docker',
      ['compose', 'up', '-d', '--wait', ...missing.map((s) => s.composeService)],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
    if (result.status === 0) {
      for (const service of missing) {
        if (!(await waitUntilReachable(service, 60_000))) throw new Error(`${service.name} did not come up`);
      }
      return;
    }
  }
  console.error('\nHappening needs these services and cannot reach them:\n');
  for (const service of missing) {
    console.error(`  ✗ ${service.name} at ${new URL(service.url).host}`);
    console.error(`      start it with:  ${service.startCommand}`);
  }
  console.error('\nor, with Docker:  docker compose up -d postgres redis rabbitmq');
  console.error('Point DATABASE_URL, REDIS_URL or RABBITMQ_URL elsewhere if they run on other hosts.\n');
  process.exit(1);
}

const supervisor = new Supervisor();
let shuttingDown = false;
async function shutdown(): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  await supervisor.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
// The terminal closed: the parts run in their own process groups and would not hear of it.
process.on('SIGHUP', () => void shutdown());

await ensureServices();
await migrate(config.DATABASE_URL);
// The server serves the booking and invitation pages' scripts from what this build writes.
const pagesBuild = spawnSync('npm', ['run', '--silent', 'build:pages', '-w', 'server'], {
  cwd: root,
  stdio: 'inherit',
});
if (pagesBuild.status !== 0) throw new Error('Building the pages failed (npm run build:pages -w server)');

// No mail server at the default SMTP_URL: catch the demo's emails locally and print them.
let mailCatcher = '';
const smtp = new URL(config.SMTP_URL);
if (!(await reachable(config.SMTP_URL, 25))) {
  const local = smtp.hostname === '127.0.0.1' || smtp.hostname === 'localhost';
  if (local) {
    await startDevMailCatcher(smtp.hostname, Number(smtp.port || 25), (line) =>
      console.log(`[mail]     ${line}`),
    );
    mailCatcher = `\n  Emails         printed here as [mail] lines (nothing listened on ${config.SMTP_URL})`;
  } else {
    console.warn(`No mail server answers at ${config.SMTP_URL}: emails will be retried, then dead-lettered.`);
  }
}
const demo = await seedDemo(config);
// On this machine the demo login runs the deployment too (queue stats, every dead letter), unless
// OPERATOR_EMAILS says who does. Set here for the server this script starts, never in the server.
const operatorEmails = config.OPERATOR_EMAILS || demo.email;

const parts: (Part & { entry: string })[] = [
  {
    name: 'server',
    entry: 'server/src/server.ts',
    args: ['--import', 'tsx', 'src/server.ts'],
    cwd: `${root}server`,
    env: { OPERATOR_EMAILS: operatorEmails },
  },
  {
    name: 'worker',
    entry: 'worker/src/worker.ts',
    args: ['--import', 'tsx', 'src/worker.ts'],
    cwd: `${root}worker`,
  },
  {
    name: 'demo',
    entry: 'widget/demo/serve.ts',
    args: ['--import', 'tsx', 'demo/serve.ts'],
    cwd: `${root}widget`,
    env: { DEMO_EVENT_ID: demo.eventId ?? '', DEMO_PUBLISHABLE_KEY: demo.publishableKey },
  },
  {
    name: 'console',
    entry: 'console/scripts/serve-web.ts',
    args: ['--import', 'tsx', 'scripts/serve-web.ts'],
    cwd: `${root}console`,
  },
];
const running = parts.filter((part) => existsSync(`${root}${part.entry}`));
for (const part of running) supervisor.start(part);

const has = (name: string) => running.some((part) => part.name === name);
console.log(`
  Happening is running.

  API            ${config.PUBLIC_URL}/api/v1   (OpenAPI: ${config.PUBLIC_URL}/docs)
  Server ops     http://${config.OPS_HOST}:${config.OPS_PORT}/metrics   (/readyz with details)${
    has('demo') ? `\n  Partner demo   ${process.env.DEMO_URL ?? 'http://localhost:5174'}` : ''
  }${has('console') ? `\n  Console (web)  ${process.env.CONSOLE_URL ?? 'http://localhost:5173'}` : ''}${
    has('worker')
      ? `\n  Worker ops     http://${process.env.WORKER_HTTP_HOST ?? '127.0.0.1'}:${process.env.WORKER_HTTP_PORT ?? '9464'}/metrics   (/healthz, /readyz)`
      : ''
  }
  Demo login     ${demo.email} / ${demo.password}${operatorEmails === demo.email ? '   (an operator: OPERATOR_EMAILS)' : ''}${demo.eventId ? `\n  Demo event     ${demo.eventId}` : ''}${mailCatcher}

  Desktop console: npm run console      Stop: Ctrl+C
`);
