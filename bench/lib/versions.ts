/** Versions of everything a figure depends on, printed with the results. */
import { readFileSync } from 'node:fs';
import amqplib from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';
import { BENCH_DATABASE_URL, RABBITMQ_URL, REDIS_URL } from './config.js';

const packageVersion = (name: string) => {
  try {
    const file = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
};

export async function serviceVersions(): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  try {
    await redis.connect();
    versions.Redis = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  } finally {
    redis.disconnect();
  }
  const url = new URL(BENCH_DATABASE_URL);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    versions.PostgreSQL = (await client.query<{ server_version: string }>('SHOW server_version'))
      .rows[0]!.server_version;
  } finally {
    await client.end();
  }
  const connection = await amqplib.connect(RABBITMQ_URL);
  versions.RabbitMQ = String(
    (connection as unknown as { connection: { serverProperties: { version: string } } }).connection
      .serverProperties.version,
  );
  await connection.close();
  for (const name of ['socket.io', 'fastify', 'ioredis', 'pg', 'amqplib', 'playwright-core']) {
    versions[name] = packageVersion(name);
  }
  return versions;
}
