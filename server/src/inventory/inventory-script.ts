/**
 * The inventory's Lua source: a shared library, one file per group of operations, and the
 * dispatch on the operation's name, concatenated into one Redis function library. One library
 * and one function, so each call is one FCALL: atomic, and on one slot, however many files it is
 * written in.
 *
 * A function library rather than a script sent by EVALSHA: a script's whole body runs on every
 * call, so every one of its ~100 helper functions was made anew each time (and collected after):
 * ~30 us of the ~85 us Redis spent on a hold or a release, timed with the same calls on a quiet
 * Redis. A library's body runs once, when it is loaded.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** In order: each part may use what the parts before it define (Lua's locals are lexical). */
export const INVENTORY_SCRIPT_PARTS = [
  'lib/core.lua',
  'lib/pick.lua',
  'holds.lua',
  'bookings.lua',
  'waitlist.lua',
  'admin.lua',
  'dispatch.lua',
] as const;

export interface InventoryLibrary {
  /**
   * The library's and its one function's name, `happening_inventory_<hash of the code>`: servers
   * of two versions (a rolling deploy) each call their own, side by side in one Redis, as two
   * scripts' SHA1s would.
   */
  name: string;
  /** What FUNCTION LOAD takes: the `#!lua` header, the parts, the registration of `dispatch`. */
  code: string;
}

/** The one atomic library; each part is marked, so an error's line can be traced to its file. */
export function inventoryLibrary(): InventoryLibrary {
  const body = INVENTORY_SCRIPT_PARTS.map(
    (part) => `-- ▼ ${part}\n${readFileSync(new URL(`./lua/${part}`, import.meta.url), 'utf8')}`,
  ).join('\n');
  const name = `happening_inventory_${createHash('sha1').update(body).digest('hex').slice(0, 16)}`;
  return { name, code: `#!lua name=${name}\n${body}\nredis.register_function('${name}', dispatch)\n` };
}
