import { describe, expect, it } from 'vitest';
import { OrgShare } from '../src/org-share.js';

describe("an organization's share of the worker", () => {
  it('runs up to the share at once; one more waits for a slot, then is deferred', async () => {
    const share = new OrgShare(2, 50);
    expect(await share.enter('a')).toBe('run');
    expect(await share.enter('a')).toBe('run');
    // Another organization is not affected by a's share.
    expect(await share.enter('b')).toBe('run');
    const waiting = share.enter('a');
    share.leave('a'); // a slot frees while it waits: it takes that slot
    expect(await waiting).toBe('run');
    expect(share.runningFor('a')).toBe(2);
    const started = performance.now();
    expect(await share.enter('a')).toBe('defer');
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    share.leave('a');
    share.leave('a');
    share.leave('b');
    expect([share.runningFor('a'), share.runningFor('b')]).toEqual([0, 0]);
  });
});
