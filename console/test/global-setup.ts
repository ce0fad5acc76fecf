// vitest's globalSetup takes a file: the migration (and its wait for a concurrent one) is the shared harness's.
export { default } from '@happening/testing/global-setup';
