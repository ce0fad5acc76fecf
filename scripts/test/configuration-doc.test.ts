/**
 * docs/configuration.md is checked against the schemas the processes validate their environment
 * with: every variable the server or the worker reads is documented with its real default, and
 * the page documents nothing that nobody reads.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigSchema } from '@happening/server/config';
import { WorkerConfigSchema } from '@happening/worker/config';
import { expect, it } from 'vitest';

const page = readFileSync(fileURLToPath(new URL('../../docs/configuration.md', import.meta.url)), 'utf8');
// Up to the section for development and tests, whose variables no product process reads.
const productPart = page.slice(0, page.indexOf('## Development and tests only'));

/** Each table row of the product part: `| \`NAME\` | default | meaning |`. */
const documented = new Map(
  [...productPart.matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]*) \|/gm)].map((row) => [row[1]!, row[2]!.trim()]),
);

type Schema = { properties: Record<string, { default?: unknown }> };
const readBy = {
  server: (ConfigSchema as unknown as Schema).properties,
  worker: (WorkerConfigSchema as unknown as Schema).properties,
};

/** What the page must say as the default of a setting whose schema has `value` as its default. */
function documentedDefaultMatches(cell: string, value: unknown): boolean {
  if (value === '') return cell.startsWith('empty');
  const literal = /^`([^`]*)`$/.exec(cell)?.[1];
  if (literal === undefined) return false;
  // A long default may be cut short with an ellipsis: `http://localhost:5173,…`.
  return literal.endsWith('…') ? String(value).startsWith(literal.slice(0, -1)) : literal === String(value);
}

for (const [process, properties] of Object.entries(readBy)) {
  it(`documents every variable the ${process} reads, with its default`, () => {
    const problems: string[] = [];
    for (const [name, schema] of Object.entries(properties)) {
      const cell = documented.get(name);
      if (cell === undefined) problems.push(`${name}: not documented`);
      else if ('default' in schema && !documentedDefaultMatches(cell, schema.default))
        problems.push(
          `${name}: documented default ${cell}, schema default ${JSON.stringify(schema.default)}`,
        );
      else if (!('default' in schema) && cell.startsWith('`'))
        problems.push(`${name}: documented default ${cell}, but the schema has none`);
    }
    expect(problems).toEqual([]);
  });
}

it('documents nothing that no process reads', () => {
  const read = new Set([...Object.keys(readBy.server), ...Object.keys(readBy.worker)]);
  expect([...documented.keys()].filter((name) => !read.has(name))).toEqual([]);
});
