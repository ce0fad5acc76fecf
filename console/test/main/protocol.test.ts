import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src/main/csp.js';
import { appResponse, resolveAppFile } from '../../src/main/protocol.js';

let root: string;
beforeAll(() => {
  const base = mkdtempSync(join(tmpdir(), 'console-protocol-'));
  root = join(base, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(root, 'preview.html'), '<!doctype html><title>preview</title>');
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(base, 'secret.txt'), 'outside');
});

describe('app:// protocol', () => {
  it('serves files under the renderer folder with the strict CSP', async () => {
    const response = await appResponse(root, 'app://console/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
    const script = await appResponse(root, 'app://console/assets/app.js');
    expect(await script.text()).toBe('console.log(1)');
  });

  it('lets no app page load script from elsewhere, not even one named preview.html', async () => {
    // The widget preview used to be an app page allowed to run the server's script; it is now the
    // server's own page in a sandboxed frame, so every app page gets the one strict policy.
    const response = await appResponse(root, 'app://console/preview.html');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*http/);
    expect(CONTENT_SECURITY_POLICY).toContain('frame-src http: https:');
  });

  it.each([
    'app://console/../secret.txt',
    'app://console/%2e%2e/secret.txt',
    'app://console/..%2fsecret.txt',
    'app://other/index.html',
    'https://console/index.html',
  ])('never serves %s', async (url) => {
    const file = resolveAppFile(root, url);
    if (file) expect(file.startsWith(root)).toBe(true);
    const response = await appResponse(root, url);
    expect(response.status === 404 || !(await response.text()).includes('outside')).toBe(true);
  });

  it('answers 404 for missing files', async () => {
    expect((await appResponse(root, 'app://console/nope.js')).status).toBe(404);
  });
});
