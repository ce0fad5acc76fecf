import type { AddressInfo } from 'node:net';
import type { Role } from '@happening/shared';
import { axeViolations, launchChromium } from '@happening/testing';
import {
  bearer,
  buildTestApp,
  invite as inviteByEmail,
  type SignedUp,
  signup,
  type TestApp,
  uniqueEmail,
} from '@happening/testing/server';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const password = 'correct horse battery staple';
/** For what a person waits for: true soon, on a busy machine too. */
const soon = { timeout: 15_000 };

let app: TestApp;
let baseUrl: string;
let browser: Browser;
let admin: SignedUp;
let orgName: string;

beforeAll(async () => {
  app = await buildTestApp();
  await app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  admin = await signup(app, 'page-admin');
  orgName = 'Org of page-admin';
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

interface Sent {
  id: string;
  token: string;
}

/** Invites `email` as `role` and returns the token of the link in the email that was queued. */
async function invite(email: string, role: Role): Promise<Sent> {
  const sent = await inviteByEmail(app, admin, email, role);
  // The token is in the fragment, which the browser never sends.
  expect(new URL(sent.url).pathname).toBe('/invitations');
  expect(new URL(sent.url).hash).toMatch(/^#inv_/);
  return sent;
}

async function membershipsOf(email: string): Promise<{ orgId: string; role: Role }[]> {
  const { rows } = await app.pg.query<{ orgId: string; role: Role }>(
    `SELECT m.org_id AS "orgId", m.role FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE lower(u.email) = lower($1)`,
    [email],
  );
  return rows;
}

async function invitationStatus(id: string): Promise<string> {
  const { rows } = await app.pg.query<{ status: string }>('SELECT status FROM invitations WHERE id = $1', [
    id,
  ]);
  return rows[0]!.status;
}

interface Opened {
  page: Page;
  /** Uncaught errors and policy violations (CSP, Trusted Types) seen in the page. */
  problems: string[];
}

/**
 * Opens the link as the person would, in a fresh browser profile: `/invitations#<token>`, or with
 * `legacy` the form mailed before tokens moved to the fragment, `/invitations/<token>`.
 */
async function openLink(token: string, options: BrowserContextOptions = {}, legacy = false): Promise<Opened> {
  const context = await browser.newContext({ locale: 'en-GB', ...options });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (/Content Security Policy|Trusted Type/i.test(message.text())) problems.push(message.text());
  });
  await page.goto(legacy ? `${baseUrl}/invitations/${token}` : `${baseUrl}/invitations#${token}`);
  return { page, problems };
}

async function close({ page, problems }: Opened): Promise<void> {
  await page.context().close();
  expect(problems).toEqual([]);
}

const heading = (page: Page) => page.getByRole('heading', { level: 1 });
const signupForm = (page: Page) => page.getByRole('form', { name: 'Create your account' });
const signinForm = (page: Page) => page.getByRole('form', { name: 'Sign in to accept' });

async function waitForHeading(page: Page, text: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: text, exact: true }).waitFor(soon);
}

/** The announced error of the form on screen (hidden forms are out of the accessibility tree). */
async function alertText(page: Page, containing: string): Promise<string> {
  const alert = page.getByRole('alert').filter({ hasText: containing });
  await alert.waitFor(soon);
  return (await alert.textContent()) ?? '';
}

// Code that runs in the page is passed as strings: this project's TypeScript has no DOM types.

async function expectAxeClean(page: Page, state: string): Promise<void> {
  expect(await axeViolations(page), `axe on ${state}`).toEqual([]);
}

const focusedId = (page: Page) => page.evaluate<string | undefined>('document.activeElement?.id');

describe('the invitation page in a browser', () => {
  it('lets a person without an account create one, join with the invited role, and not reuse the link', async () => {
    const email = uniqueEmail('newcomer');
    const sent = await invite(email, 'organizer');
    const opened = await openLink(sent.token);
    const { page } = opened;

    await waitForHeading(page, `Join ${orgName} on Happening`);
    const offer = await page.locator('#offer').innerText();
    expect(offer).toContain(`You are invited to join ${orgName} on Happening as organizer.`);
    expect(offer).toContain(email);
    expect(offer).toContain('creates and runs events');
    expect(offer).toContain('no organization of your own is created');
    expect(await signupForm(page).getByLabel('Email').inputValue()).toBe(email);
    expect(await signupForm(page).getByLabel('Email').getAttribute('readonly')).not.toBeNull();
    await expectAxeClean(page, 'the offer');

    // A too short password is refused on the page, and nothing is created.
    await page.getByLabel('Your name').fill('Nia Newcomer');
    await page.getByLabel('Choose a password').fill('short');
    await page.getByRole('button', { name: 'Create account and join' }).click();
    expect(await alertText(page, 'at least 10 characters')).toBe(
      'Choose a password of at least 10 characters.',
    );
    expect(await page.getByLabel('Choose a password').getAttribute('aria-invalid')).toBe('true');
    expect(await membershipsOf(email)).toEqual([]);

    await page.getByLabel('Choose a password').fill(password);
    await page.getByRole('button', { name: 'Create account and join' }).click();
    await waitForHeading(page, `You joined ${orgName} as organizer`);
    expect(await focusedId(page)).toBe('heading');
    const next = await page.locator('#joined').innerText();
    expect(next).toContain('open the Happening console');
    expect(next).toContain('desktop app');
    expect(next).toContain(baseUrl);
    expect(next).toContain(email);
    await expectAxeClean(page, 'the confirmation');

    // Exactly one membership: the invited organization with the invited role, no organization of its own.
    expect(await membershipsOf(email)).toEqual([{ orgId: admin.orgId, role: 'organizer' }]);
    expect(await invitationStatus(sent.id)).toBe('accepted');
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
    });
    expect(login.json().user.name).toBe('Nia Newcomer');

    // The same link opened again explains that it was used, with no form.
    await page.reload();
    await waitForHeading(page, 'This invitation has already been used');
    expect(await page.locator('#problem').innerText()).toContain(`${email} already joined ${orgName}`);
    expect(await page.locator('input:visible').count()).toBe(0);
    await close(opened);
  }, 90_000);

  it('tells someone signed in with another address that the invitation is for someone else', async () => {
    const invited = uniqueEmail('intended');
    const sent = await invite(invited, 'viewer');
    const other = await signup(app, 'other-address');
    const opened = await openLink(sent.token);
    const { page } = opened;

    await waitForHeading(page, `Join ${orgName} on Happening`);
    await page.getByLabel('Yes, sign in').check();
    const emailField = signinForm(page).getByLabel('Email');
    expect(await emailField.inputValue()).toBe(invited);
    expect(await emailField.getAttribute('readonly')).not.toBeNull();

    await page.getByRole('button', { name: 'Use an account with another address' }).click();
    expect(await emailField.getAttribute('readonly')).toBeNull();
    await emailField.fill(other.email);
    await signinForm(page).getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in and join' }).click();
    expect(await alertText(page, 'wrong')).toBe(
      `The email or the password is wrong: no account matches ${other.email} with this password.`,
    );

    await signinForm(page).getByLabel('Password').fill(other.password);
    await page.getByRole('button', { name: 'Sign in and join' }).click();
    expect(await alertText(page, 'signed in as')).toBe(
      `This invitation was sent to ${invited}, but you signed in as ${other.email}. Sign in as ${invited} or create an account for it, or ask an admin of ${orgName} to invite ${other.email} instead.`,
    );
    // Keyboard focus is back on the button that was pressed, not lost to the top of the page.
    expect(await page.evaluate<string | undefined>('document.activeElement?.textContent')).toBe(
      'Sign in and join',
    );
    // Still on the offer: nobody joined, and the invitation still waits for its person.
    expect(await heading(page).textContent()).toBe(`Join ${orgName} on Happening`);
    expect(await membershipsOf(other.email)).toEqual([{ orgId: other.orgId, role: 'admin' }]);
    expect(await invitationStatus(sent.id)).toBe('pending');
    await close(opened);
  }, 90_000);

  it('sends an existing account from “create” to sign in, explains a wrong password, then joins', async () => {
    const existing = await signup(app, 'existing');
    const sent = await invite(existing.email, 'admin');
    const opened = await openLink(sent.token);
    const { page } = opened;

    await waitForHeading(page, `Join ${orgName} on Happening`);
    await page.getByLabel('Your name').fill('Existing Person');
    await page.getByLabel('Choose a password').fill(password);
    await page.getByRole('button', { name: 'Create account and join' }).click();
    expect(await alertText(page, 'already exists')).toBe(
      `An account for ${existing.email} already exists. Sign in with its password to join.`,
    );
    expect(await page.getByLabel('Yes, sign in').isChecked()).toBe(true);
    expect(await focusedId(page)).toBe('signin-password');

    await signinForm(page).getByLabel('Password').fill('a wrong password');
    await page.getByRole('button', { name: 'Sign in and join' }).click();
    expect(await alertText(page, 'password is wrong')).toContain(
      `The password is wrong for ${existing.email}`,
    );
    expect(await membershipsOf(existing.email)).toEqual([{ orgId: existing.orgId, role: 'admin' }]);

    await signinForm(page).getByLabel('Password').fill(existing.password);
    await page.getByRole('button', { name: 'Sign in and join' }).click();
    await waitForHeading(page, `You joined ${orgName} as admin`);
    expect(await membershipsOf(existing.email)).toEqual(
      expect.arrayContaining([
        { orgId: existing.orgId, role: 'admin' },
        { orgId: admin.orgId, role: 'admin' },
      ]),
    );
    await close(opened);
  }, 90_000);

  it('says so when the person already belongs to the organization', async () => {
    const member = await signup(app, 'member-already');
    const sent = await invite(member.email, 'viewer');
    // Added by other means after the invitation was sent.
    await app.pg.query(`INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, 'organizer')`, [
      admin.orgId,
      member.userId,
    ]);
    const opened = await openLink(sent.token);
    const { page } = opened;
    await waitForHeading(page, `Join ${orgName} on Happening`);
    await page.getByLabel('Yes, sign in').check();
    await signinForm(page).getByLabel('Password').fill(member.password);
    await page.getByRole('button', { name: 'Sign in and join' }).click();
    expect(await alertText(page, 'already a member')).toBe(
      `You are already a member of ${orgName}. Open the Happening console and sign in as ${member.email}.`,
    );
    expect(await membershipsOf(member.email)).toContainEqual({ orgId: admin.orgId, role: 'organizer' });
    await close(opened);
  }, 60_000);

  it('explains unknown, expired and withdrawn links without offering a form', async () => {
    const cases: { token: string; heading: string; says: string }[] = [
      {
        token: `inv_${'x'.repeat(43)}`,
        heading: 'This invitation link does not work',
        says: 'copy the whole link from the email',
      },
      {
        token: 'short',
        heading: 'This invitation link does not work',
        says: 'Happening does not know this link',
      },
    ];
    const expired = await invite(uniqueEmail('late'), 'viewer');
    await app.pg.query(`UPDATE invitations SET expires_at = now() - interval '1 hour' WHERE id = $1`, [
      expired.id,
    ]);
    cases.push({
      token: expired.token,
      heading: 'This invitation has expired',
      says: `Ask an admin of ${orgName} to invite you again`,
    });
    const withdrawn = await invite(uniqueEmail('withdrawn'), 'viewer');
    const revoke = await app.inject({
      method: 'DELETE',
      url: `/api/v1/orgs/${admin.orgId}/invitations/${withdrawn.id}`,
      headers: bearer(admin.token),
    });
    expect(revoke.statusCode).toBe(204);
    cases.push({
      token: withdrawn.token,
      heading: 'This invitation was withdrawn',
      says: `An admin of ${orgName} withdrew this invitation`,
    });

    for (const link of cases) {
      const opened = await openLink(link.token);
      await waitForHeading(opened.page, link.heading);
      expect(await opened.page.locator('#problem').innerText()).toContain(link.says);
      expect(await opened.page.locator('input:visible, button:visible').count()).toBe(0);
      await close(opened);
    }
  }, 90_000);

  it('still opens a link mailed with the token in its path, and moves the token into the fragment', async () => {
    const email = uniqueEmail('old-link');
    const sent = await invite(email, 'viewer');
    const opened = await openLink(sent.token, {}, true);
    const { page } = opened;
    await waitForHeading(page, `Join ${orgName} on Happening`);
    // A reload, the history and a copied address no longer send the token to anyone.
    expect(page.url()).toBe(`${baseUrl}/invitations#${sent.token}`);
    await page.getByLabel('Your name').fill('Old Link');
    await page.getByLabel('Choose a password').fill(password);
    await page.getByRole('button', { name: 'Create account and join' }).click();
    await waitForHeading(page, `You joined ${orgName} as viewer`);
    expect(await membershipsOf(email)).toEqual([{ orgId: admin.orgId, role: 'viewer' }]);
    await close(opened);
  }, 60_000);

  it('fits a phone screen and stays readable in dark and light mode', async () => {
    const sent = await invite(uniqueEmail('phone'), 'organizer');
    for (const colorScheme of ['dark', 'light'] as const) {
      const opened = await openLink(sent.token, {
        viewport: { width: 360, height: 740 },
        isMobile: true,
        hasTouch: true,
        colorScheme,
      });
      const { page } = opened;
      await waitForHeading(page, `Join ${orgName} on Happening`);
      const layout = await page.evaluate<{
        overflow: number;
        background: string;
        text: string;
        buttonRight: number;
      }>(`(() => {
        const style = getComputedStyle(document.querySelector('main'));
        return {
          overflow: document.documentElement.scrollWidth - window.innerWidth,
          background: style.backgroundColor,
          text: style.color,
          buttonRight: document.querySelector('button[type="submit"]').getBoundingClientRect().right,
        };
      })()`);
      expect(layout.overflow, colorScheme).toBeLessThanOrEqual(0);
      expect(layout.buttonRight).toBeLessThanOrEqual(360);
      const [background, text] = [luminance(layout.background), luminance(layout.text)];
      if (colorScheme === 'dark') expect(background).toBeLessThan(0.05);
      else expect(background).toBeGreaterThan(0.9);
      expect(contrast(background, text), colorScheme).toBeGreaterThan(7);
      // axe checks every other colour pair (hints, errors, buttons) in this scheme.
      await expectAxeClean(page, `the offer on a phone, ${colorScheme}`);
      await close(opened);
    }
  }, 60_000);
});

/** Relative luminance of a computed `rgb(r, g, b)` colour (WCAG 2). */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((part) => {
    const channel = Number(part) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: number, b: number): number {
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

describe('the invitation page over HTTP', () => {
  it('answers any link with the HTML page under a strict policy, with no inline script or style', async () => {
    const bare = await app.inject({ method: 'GET', url: '/invitations' });
    expect(bare.statusCode).toBe(200);
    expect(bare.headers['cache-control']).toBe('no-store');
    const response = await app.inject({ method: 'GET', url: `/invitations/inv_${'a'.repeat(43)}` });
    expect(response.body).toBe(bare.body);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['strict-transport-security']).toBeDefined();

    const csp = Object.fromEntries(
      String(response.headers['content-security-policy'])
        .split(';')
        .map((directive) => directive.trim().split(/\s+/))
        .map(([name, ...sources]) => [name, sources]),
    );
    expect(csp['default-src']).toEqual(["'none'"]);
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(csp['style-src']).toEqual(["'self'"]);
    expect(csp['connect-src']).toEqual(["'self'"]);
    expect(csp['form-action']).toEqual(["'none'"]);
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    expect(csp['base-uri']).toEqual(["'none'"]);
    expect(String(response.headers['content-security-policy'])).not.toMatch(/unsafe-|data:|\*/);

    const html = response.body;
    expect(html).toMatch(/^<!doctype html>\s*<html lang="en">/i);
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]![1]).toContain('type="module" src="/invitations/assets/invitation.js"');
    expect(scripts[0]![2]!.trim()).toBe('');
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/<style\b|\sstyle\s*=/i);
  });

  it('serves its scripts and stylesheet with their types and revalidates them with an ETag', async () => {
    for (const [path, type] of [
      ['/invitations/assets/invitation.js', 'text/javascript; charset=utf-8'],
      ['/pages/assets/page-kit.js', 'text/javascript; charset=utf-8'],
      ['/invitations/assets/invitation.css', 'text/css; charset=utf-8'],
    ] as const) {
      const first = await app.inject({ method: 'GET', url: path });
      expect(first.statusCode, path).toBe(200);
      expect(first.headers['content-type']).toBe(type);
      expect(first.headers['x-content-type-options']).toBe('nosniff');
      const again = await app.inject({
        method: 'GET',
        url: path,
        headers: { 'if-none-match': String(first.headers.etag) },
      });
      expect(again.statusCode, path).toBe(304);
    }
  });
});

describe('POST /api/v1/invitations/signup', () => {
  it('creates an account for the invited address only, joined to the inviting organization only', async () => {
    const email = uniqueEmail('api-newcomer');
    const sent = await invite(email, 'viewer');

    const choosesAddress = await app.inject({
      method: 'POST',
      url: '/api/v1/invitations/signup',
      payload: { token: sent.token, name: 'Sneaky', password, email: uniqueEmail('elsewhere') },
    });
    expect(choosesAddress.statusCode).toBe(400);
    expect(choosesAddress.json().error.code).toBe('VALIDATION_FAILED');
    const weak = await app.inject({
      method: 'POST',
      url: '/api/v1/invitations/signup',
      payload: { token: sent.token, name: 'Weak', password: 'short' },
    });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error.field).toBe('body.password');

    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/invitations/signup',
      payload: { token: sent.token, name: 'Api Newcomer', password },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      user: { email, name: 'Api Newcomer' },
      organization: { id: admin.orgId, name: orgName, role: 'viewer' },
    });
    const me = await app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: bearer(created.json().token),
    });
    expect(me.json().organizations).toEqual([{ id: admin.orgId, name: orgName, role: 'viewer' }]);

    const reused = await app.inject({
      method: 'POST',
      url: '/api/v1/invitations/signup',
      payload: { token: sent.token, name: 'Twice', password },
    });
    expect(reused.statusCode).toBe(404);
    expect(reused.json().error.code).toBe('INVITATION_INVALID');
  });

  it('refuses an address that already has an account and leaves the invitation open', async () => {
    const existing = await signup(app, 'api-existing');
    const sent = await invite(existing.email.toUpperCase(), 'organizer');
    const taken = await app.inject({
      method: 'POST',
      url: '/api/v1/invitations/signup',
      payload: { token: sent.token, name: 'Again', password },
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('EMAIL_TAKEN');
    expect(await invitationStatus(sent.id)).toBe('pending');
    expect(await membershipsOf(existing.email)).toEqual([{ orgId: existing.orgId, role: 'admin' }]);
  });
});

describe('the old API forms with the token in the path', () => {
  it('answer 410 TOKEN_IN_URL, saying where the token goes, and do nothing with it', async () => {
    const email = uniqueEmail('path-token');
    const sent = await invite(email, 'admin');
    const someone = await signup(app, 'path-token-caller');
    for (const [method, url, headers, payload] of [
      ['GET', `/api/v1/invitations/${sent.token}`, {}, undefined],
      ['POST', `/api/v1/invitations/${sent.token}/signup`, {}, { name: 'Log Reader', password }],
      ['POST', `/api/v1/invitations/${sent.token}/accept`, bearer(someone.token), undefined],
    ] as const) {
      const response = await app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
      expect(response.statusCode, url).toBe(410);
      expect(response.json().error.code).toBe('TOKEN_IN_URL');
      expect(response.json().error.message).toContain('POST /api/v1/invitations/lookup');
    }
    expect(await invitationStatus(sent.id)).toBe('pending');
    expect(await membershipsOf(email)).toEqual([]);
  });
});
