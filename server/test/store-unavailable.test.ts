/**
 * Which errors mean "a store is away for a moment" (503 with Retry-After) and which are bugs
 * (500): the drills (`postgres-restart.test.ts`, `redis-cluster-failover.test.ts`) meet the first
 * kind for real; this pins the list, including the codes a drill does not always hit.
 */
import { describe, expect, it } from 'vitest';
import { isPostgresUnreachable, isStoreUnavailable } from '../src/lib/store-unavailable.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('store unavailable', () => {
  it('knows PostgreSQL going away, restarting or refusing connections', () => {
    for (const error of [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('read ECONNRESET', 'ECONNRESET'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('the database system is shutting down', '57P03'),
      withCode('the database system is starting up', '57P03'),
      withCode('connection failure', '08006'),
      withCode('sorry, too many clients already', '53300'),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated'),
      new Error('timeout exceeded when trying to connect'),
    ])
      expect(isStoreUnavailable(error), error.message).toBe('postgres');
  });

  it('leaves real faults to be 500s: constraint violations, syntax errors, statement timeouts', () => {
    for (const error of [
      withCode('duplicate key value violates unique constraint', '23505'),
      withCode('syntax error at or near "SELEC"', '42601'),
      withCode('canceling statement due to statement timeout', '57014'),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      null,
      'a string',
    ])
      expect(isPostgresUnreachable(error)).toBe(false);
  });

  it('still knows Redis out of reach', () => {
    expect(isStoreUnavailable(new Error('CLUSTERDOWN The cluster is down'))).toBe('redis');
    expect(isStoreUnavailable(new Error('Connection is closed.'))).toBe('redis');
    expect(isStoreUnavailable(new Error('LOADING Redis is loading the dataset in memory'))).toBe('redis');
    expect(isStoreUnavailable(new Error("READONLY You can't write against a read only replica."))).toBe(
      'redis',
    );
    expect(isStoreUnavailable(new Error('ERR unknown command'))).toBe(null);
  });
});
