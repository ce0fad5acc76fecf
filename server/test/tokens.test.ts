import { describe, expect, it } from 'vitest';
import { newToken } from '../src/lib/keys.js';

describe('newToken', () => {
  it('never repeats, across many refills of its random pool, and has the promised entropy', () => {
    // 24 bytes each: 2,000 tokens draw ~12 pools of 4 KB.
    const tokens = Array.from({ length: 2_000 }, () => newToken('hold'));
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const token of tokens) expect(token).toMatch(/^hold_[A-Za-z0-9_-]{32}$/);
    // Not even their first 6 bytes repeat: a pool byte handed out twice would show here first.
    const bodies = new Set(tokens.map((token) => token.slice(5, 13)));
    expect(bodies.size).toBe(tokens.length);
    // Sizes that do not divide the pool, and one larger than it.
    expect(newToken('inv', 32)).toMatch(/^inv_[A-Za-z0-9_-]{43}$/);
    expect(newToken('big', 5_000).length).toBe(4 + Math.ceil((5_000 * 4) / 3));
  });
});
