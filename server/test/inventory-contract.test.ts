import { readFileSync } from 'node:fs';
import calculateSlot from 'cluster-key-slot';
import { describe, expect, it } from 'vitest';
import { decodeReply, InventoryContractError, OPERATIONS } from '../src/inventory/contract.js';
import type { Inventory } from '../src/inventory/inventory.js';
import { INVENTORY_SCRIPT_PARTS, inventoryLibrary } from '../src/inventory/inventory-script.js';
import { ACTIVE_EVENTS_KEY, proofKey, scriptKeys } from '../src/inventory/keys.js';

const eventId = '0b9c3f8e-5d2a-4c1e-9f7a-3e6d2b1a4c5f';

/** The one slot all of a call's keys hash to; throws naming the keys that stray from it. */
function oneSlot(keys: string[]): number {
  const slots = new Map(keys.map((key) => [key, calculateSlot(key)]));
  const [first] = slots.values();
  const strays = [...slots].filter(([, slot]) => slot !== first).map(([key]) => key);
  if (strays.length > 0) throw new Error(`keys outside slot ${first}: ${strays.join(', ')}`);
  return first!;
}

describe('every script call stays in one Redis Cluster slot (invariant 5)', () => {
  const eventSlot = calculateSlot(`{${eventId}}`);
  const calls: [string, string[]][] = [
    ...OPERATIONS.flatMap((op): [string, string[]][] => [
      [op, scriptKeys.inventory(eventId)],
      [`${op} with a proof of work`, scriptKeys.inventory(eventId, proofKey(eventId, 'ab12'.repeat(16)))],
    ]),
    ['install (load.lua)', scriptKeys.install(eventId, 'loader-1')],
    ['evict (evict.lua)', scriptKeys.evict(eventId)],
    ['unlock the loader', scriptKeys.unlock(eventId)],
    ['waiting room (queue.lua)', scriptKeys.queue(eventId)],
  ];

  it.each(calls)('%s', (_call, keys) => {
    expect(oneSlot(keys)).toBe(eventSlot);
  });

  it('the check refuses a key planted without the event hash tag', () => {
    const keys = scriptKeys.inventory(eventId);
    expect(() => oneSlot([...keys, `inv:${eventId}:planted`])).toThrow(/outside slot/);
    expect(() => oneSlot([...keys, ACTIVE_EVENTS_KEY])).toThrow(ACTIVE_EVENTS_KEY);
  });
});

describe('the Lua script and the TypeScript contract', () => {
  const parts = INVENTORY_SCRIPT_PARTS.map((part) =>
    readFileSync(new URL(`../src/inventory/lua/${part}`, import.meta.url), 'utf8'),
  );

  it('define the same operations, each with a header stating its keys, arguments and result', () => {
    const script = inventoryLibrary().code;
    const defined = [...script.matchAll(/^function OPS\.(\w+)\(\)/gm)].map((m) => m[1]);
    expect([...defined].sort()).toEqual([...OPERATIONS].sort());
    for (const op of OPERATIONS) {
      const header = new RegExp(`^-- ${op}: [^\\n]*\\n(?:--[^\\n]*\\n)*function OPS\\.${op}\\(\\)`, 'm');
      const text = header.exec(script)?.[0] ?? '';
      expect(text, op).toMatch(/Keys:/);
      expect(text, op).toMatch(/Args:/);
      expect(text, op).toMatch(/Result:/);
    }
  });

  it("reach keys only through the call's keys, never by a name built in Lua (which Redis Cluster refuses)", () => {
    for (const text of parts) expect(text).not.toMatch(/['"]inv:/);
  });

  it('decodes what cjson sends: `{}` for an empty list, maps of general admission', () => {
    const released = decodeReply('release', '{"ok":true,"released":{},"v":7,"expired":{}}');
    expect(released).toEqual({ ok: true, released: [], v: 7, expired: [], noticed: false });
    const booked = decodeReply(
      'book_hold',
      '{"ok":true,"seats":{},"general":{"GA":2},"v":8,"expired":[{"token":"t","seats":["A-1-1"],"general":{}}]}',
    );
    expect(booked).toEqual({
      ok: true,
      seats: [],
      general: [{ section: 'GA', quantity: 2 }],
      v: 8,
      expired: [{ token: 't', seats: ['A-1-1'], general: [] }],
      noticed: false,
    });
    const refused = decodeReply(
      'hold',
      '{"ok":false,"code":"SEAT_UNAVAILABLE","seats":{},"v":9,"expired":{}}',
    );
    expect(refused).toEqual({
      ok: false,
      code: 'SEAT_UNAVAILABLE',
      seats: [],
      v: 9,
      expired: [],
      noticed: false,
    });
    // A call that queued hold events says so (the server then moves them into the outbox).
    expect(
      decodeReply('sweep', '{"ok":true,"idle":false,"notices":2,"v":3,"expired":{},"noticed":true}'),
    ).toEqual({
      ok: true,
      idle: false,
      notices: 2,
      v: 3,
      expired: [],
      noticed: true,
    });
    expect(decodeReply('snapshot', '{"ok":false,"code":"COLD"}')).toEqual({ ok: false, code: 'COLD' });
  });

  it('refuses an answer outside the contract instead of passing it on', () => {
    expect(() => decodeReply('settle', '{"ok":false,"code":"HOLD_NOT_FOUND","v":1,"expired":{}}')).toThrow(
      InventoryContractError,
    );
  });

  it('types each call: a wrong argument or a field the result does not have fails to compile', () => {
    // Never run: `tsc -b` checks it (an unused @ts-expect-error is itself an error).
    const calls = async (inventory: Inventory) => {
      // @ts-expect-error `seat` is not an argument of block (it takes `seats`)
      await inventory.run(eventId, 'block', { seat: ['A-1-1'] });
      // @ts-expect-error book_best needs a quantity
      await inventory.run(eventId, 'book_best', { bookingId: 'b' });
      const result = await inventory.run(eventId, 'book_best', { bookingId: 'b', quantity: 2 });
      if (result.ok) {
        const seats: string[] = result.seats;
        // @ts-expect-error a booking's answer has no hold
        void result.hold;
        void seats;
      } else {
        // @ts-expect-error book_best never refuses with HOLD_CAP_REACHED
        if (result.code === 'HOLD_CAP_REACHED') return;
        if (result.code === 'NO_FIT') void result.queue;
      }
    };
    expect(calls).toBeTypeOf('function');
  });
});
