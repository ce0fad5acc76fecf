/**
 * The inventory script's source: a shared library, one file per group of operations, and the
 * dispatch on the operation's name, concatenated into one script. One script, so each call is one
 * EVALSHA: atomic, and on one slot, however many files it is written in.
 */
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

/** The one atomic script; each part is marked, so an error's line can be traced to its file. */
export function inventoryScript(): string {
  return INVENTORY_SCRIPT_PARTS.map(
    (part) => `-- ▼ ${part}\n${readFileSync(new URL(`./lua/${part}`, import.meta.url), 'utf8')}`,
  ).join('\n');
}
