import { describe, expect, it } from 'vitest';
import { OrgShare } from '../src/org-share.js';

describe("an organization's share of the worker", () => {
  it('runs up to the share at once; more wait while its work moves, and are deferred once it stalls', async () => {
    const share = new OrgShare(2, 80);
    expect(await share.enter('a')).toBe('run');
    expect(await share.enter('a')).toBe('run');
    // Another organization is not affected by a's share.
    expect(await share.enter('b')).toBe('run');

    // Moving work: a slot frees every 50 ms, within the stall time, so nobody is deferred even
    // though the last waiter waits longer than that in all.
    const waiters = [share.enter('a'), share.enter('a'), share.enter('a')];
    for (let freed = 0; freed < 3; freed++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      share.leave('a');
    }
    expect(await Promise.all(waiters)).toEqual(['run', 'run', 'run']);
    expect(share.runningFor('a')).toBe(2);

    // Stuck work: nothing of a's finishes, so its waiters are handed back after the stall time.
    const started = performance.now();
    expect(await Promise.all([share.enter('a'), share.enter('a')])).toEqual(['defer', 'defer']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    // Stalled: the next one beyond the share is handed back at once, until a's work moves again.
    const again = performance.now();
    expect(await share.enter('a')).toBe('defer');
    expect(performance.now() - again).toBeLessThan(40);
    share.leave('a');
    expect(await share.enter('a')).toBe('run');
    share.leave('a');
    share.leave('a');
    share.leave('b');
    expect([share.runningFor('a'), share.runningFor('b')]).toEqual([0, 0]);
  });
});
