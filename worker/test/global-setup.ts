// vitest's globalSetup takes a file: the migration itself is the shared harness's.
export { default } from '@happening/testing/global-setup';
