import { describe, expect, it } from 'vitest';
import { Batcher } from '../src/batcher.js';

describe('group commit of the worker’s transactions', () => {
  it('writes a lone request at once and groups the ones that arrive meanwhile', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(
      async (requests) => {
        batches.push(requests);
        await new Promise((resolve) => setTimeout(resolve, 20));
        return requests.map((request) => request * 10);
      },
      1,
      3,
    );
    const results = await Promise.all([1, 2, 3, 4, 5].map((request) => batcher.submit(request)));
    expect(results).toEqual([10, 20, 30, 40, 50]);
    // The first goes alone, without waiting for company; the rest queue behind it, three at most.
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
  });

  it('fails every request of a failed batch, and goes on with the next', async () => {
    let calls = 0;
    const batcher = new Batcher<string, string>(
      async (requests) => {
        calls++;
        if (calls === 1) throw new Error('database away');
        return requests;
      },
      1,
      10,
    );
    const first = batcher.submit('a');
    const second = batcher.submit('b');
    await expect(first).rejects.toThrow('database away');
    expect(await second).toBe('b');
  });
});
