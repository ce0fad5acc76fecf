export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/happening_test';

/** Environment for a server under test: real services, fast password hashing, quiet logs. */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    RABBITMQ_URL: process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    TOKEN_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    PASSWORD_HASH_COST: '10',
    RATE_LIMIT_PER_MINUTE: '100000',
    HOLD_RATE_LIMIT_PER_MINUTE: '100000',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    // Every test file books and connects from 127.0.0.1: the per-address limits' own tests set them.
    DIRECT_BOOKING_LIMIT: '100000',
    WAITLIST_JOIN_LIMIT: '100000',
    SOCKET_MESSAGES_PER_ADDRESS_PER_MINUTE: '10000000',
    SOCKET_CONNECTIONS_PER_ADDRESS: '100000',
    // Stress tests queue thousands of requests on a 2-core machine shared with other suites.
    PG_POOL_TIMEOUT_MS: '60000',
    // Test apps share one outbox table: a relay in every app would publish other files' rows to
    // the wrong queue. The notification tests run their own relays, scoped to their organizations.
    OUTBOX_RELAY_ENABLED: 'false',
    // Servers started as processes (lifecycle, crash tests) run side by side: any free ops port.
    OPS_PORT: '0',
    // Test receivers listen on plain http; the https-only rule has its own tests.
    WEBHOOK_ALLOW_HTTP: 'true',
    ...overrides,
  };
}
