import { buildTestApp, type TestApp } from '@happening/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The API reference is the served OpenAPI document: every operation in it must explain itself. */

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

let app: TestApp;
let operations: { name: string; op: Operation }[];

beforeAll(async () => {
  app = await buildTestApp();
  const doc = (await app.inject({ url: '/docs/json' })).json() as {
    paths: Record<string, Record<string, Operation>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([method]) => METHODS.has(method))
      .map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
  );
});
afterAll(async () => {
  await app.close();
});

const blank = (text: string | undefined) => (text ?? '').trim() === '';

describe('the OpenAPI document at /docs/json', () => {
  it('documents the whole API', () => {
    // Far fewer would mean routes went missing from the document, not that all are documented.
    expect(operations.length).toBeGreaterThanOrEqual(50);
  });

  it('gives every operation a summary', () => {
    expect(operations.filter(({ op }) => blank(op.summary)).map(({ name }) => name)).toEqual([]);
  });

  it('gives every operation a description', () => {
    expect(operations.filter(({ op }) => blank(op.description)).map(({ name }) => name)).toEqual([]);
  });

  it('files every operation under the tag of its module', () => {
    expect(operations.filter(({ op }) => (op.tags ?? []).length === 0).map(({ name }) => name)).toEqual([]);
  });
});
