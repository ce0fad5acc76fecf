/**
 * The invitation page, served at /invitations#<token>: shows what the invitation offers, then signs
 * the person in (or creates their account) and accepts it. The token is read from the fragment,
 * which the browser never sends, and goes to the API only in JSON bodies, never in a URL. Every
 * text that comes from the API is set with textContent, so a name chosen by someone else can never
 * become markup.
 *
 * Built by the pages build (server/vite.pages.config.ts) to /invitations/assets/invitation.js; the
 * types come from the API's own schemas in `@happening/shared`, imported as types only (no TypeBox
 * in the bundle).
 */
import type {
  AcceptInvitationResponse,
  InvitationPreview,
  LoginResponse,
  SignupResponse,
} from '@happening/shared';
import type { Static } from 'typebox';
import { ApiError, api, byId, commonFailure, pageStates, setText } from '/pages/assets/page-kit.js';

type Preview = Static<typeof InvitationPreview>;
type Role = Preview['role'];
type Organization = Static<typeof AcceptInvitationResponse>['organization'];

const roleMeaning: Record<Role, string> = {
  admin: 'manages members, keys and settings, and does everything an organizer does',
  organizer: 'creates and runs events and manages their bookings',
  viewer: 'sees events, bookings and statistics without changing them',
};

const page = {
  offer: byId('offer', HTMLElement),
  joined: byId('joined', HTMLElement),
  signupForm: byId('signup-form', HTMLFormElement),
  signupEmail: byId('signup-email', HTMLInputElement),
  signupName: byId('signup-name', HTMLInputElement),
  signupPassword: byId('signup-password', HTMLInputElement),
  signupError: byId('signup-error', HTMLElement),
  signinForm: byId('signin-form', HTMLFormElement),
  signinEmail: byId('signin-email', HTMLInputElement),
  signinEmailHint: byId('signin-email-hint', HTMLElement),
  signinOther: byId('signin-other', HTMLButtonElement),
  signinPassword: byId('signin-password', HTMLInputElement),
  signinError: byId('signin-error', HTMLElement),
};

function formatDate(iso: string): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeStyle: 'short' }).format(new Date(iso));
}

const states = pageStates({ problem: byId('problem', HTMLElement), offer: page.offer, joined: page.joined });

/** Why a link that is no longer pending cannot be used, in the person's words. */
function explainUnusable(preview: Preview) {
  const org = preview.organizationName;
  if (preview.status === 'accepted') {
    return states.problem(
      'This invitation has already been used',
      `${preview.email} already joined ${org} with this link.`,
      `If that was you, open the Happening console and sign in as ${preview.email}.`,
    );
  }
  if (preview.status === 'revoked') {
    return states.problem(
      'This invitation was withdrawn',
      `An admin of ${org} withdrew this invitation, or replaced it with a newer one to the same address.`,
      'Use the link in the most recent invitation email, or ask an admin to invite you again.',
    );
  }
  return states.problem(
    'This invitation has expired',
    `The invitation to join ${org} as ${preview.role} was valid until ${formatDate(preview.expiresAt)}.`,
    `Ask an admin of ${org} to invite you again: the new email has a fresh link.`,
  );
}

function showUnknownLink() {
  states.problem(
    'This invitation link does not work',
    'Happening does not know this link. It may have been cut short: copy the whole link from the email.',
    'If the whole link does not work either, ask an admin of the organization to invite you again.',
  );
}

/**
 * The words for a failed sign-in, sign-up or accept (`email`: the address the person used);
 * `field` is where the person fixes it.
 */
function describeFailure(
  error: unknown,
  preview: Preview,
  email: string,
): { message: string; field?: HTMLInputElement } {
  const common = commonFailure(error);
  if (common || !(error instanceof ApiError)) return { message: common ?? String(error) };
  const org = preview.organizationName;
  if (error.code === 'INVALID_CREDENTIALS') {
    const invited = email.toLowerCase() === preview.email.toLowerCase();
    return {
      message: invited
        ? `The password is wrong for ${email}, or no account uses this address yet (then choose “No, create my account” above).`
        : `The email or the password is wrong: no account matches ${email} with this password.`,
      field: page.signinPassword,
    };
  }
  if (error.status === 403 && error.code === 'INVITATION_INVALID') {
    return {
      message: `This invitation was sent to ${preview.email}, but you signed in as ${email}. Sign in as ${preview.email} or create an account for it, or ask an admin of ${org} to invite ${email} instead.`,
    };
  }
  if (error.code === 'ALREADY_MEMBER') {
    return {
      message: `You are already a member of ${org}. Open the Happening console and sign in as ${email}.`,
    };
  }
  return { message: error.message };
}

/** `errorBox` is a role=alert element: setting its text is what gets announced. */
function showError(errorBox: HTMLElement, message: string, field?: HTMLInputElement): void {
  errorBox.textContent = message;
  if (field) {
    field.setAttribute('aria-invalid', 'true');
    field.setAttribute('aria-errormessage', errorBox.id);
    field.focus();
  }
}

function clearErrors(form: HTMLFormElement): void {
  for (const box of form.querySelectorAll('.error')) box.textContent = '';
  for (const field of form.querySelectorAll('[aria-invalid]')) {
    field.removeAttribute('aria-invalid');
    field.removeAttribute('aria-errormessage');
  }
}

/** Runs one submission with its button disabled, so a double click cannot send it twice. */
async function whileBusy(form: HTMLFormElement, work: () => Promise<void>): Promise<void> {
  const button = form.querySelector('button[type="submit"]');
  if (!(button instanceof HTMLButtonElement) || button.disabled) return;
  states.personActed();
  const label = button.textContent;
  button.disabled = true;
  button.textContent = 'Joining…';
  form.setAttribute('aria-busy', 'true');
  try {
    await work();
  } finally {
    button.disabled = false;
    button.textContent = label;
    form.removeAttribute('aria-busy');
    // Disabling the button dropped focus; when the form stays (an error without a field to fix),
    // give it back so keyboard users go on from where they were.
    const focusLost = document.activeElement === null || document.activeElement === document.body;
    if (focusLost && !form.closest('[hidden]')) button.focus();
  }
}

function showJoined(organization: Organization, email: string): void {
  page.signupForm.reset();
  page.signinForm.reset();
  setText('joined-server', window.location.origin);
  setText('joined-email', email);
  setText('joined-organization', `${organization.name} is now among your organizations there.`);
  states.show('joined', `You joined ${organization.name} as ${organization.role}`);
}

function choosePath(path: 'signup' | 'signin'): void {
  page.signupForm.hidden = path !== 'signup';
  page.signinForm.hidden = path !== 'signin';
  for (const radio of document.querySelectorAll('input[name="path"]')) {
    if (radio instanceof HTMLInputElement) radio.checked = radio.value === path;
  }
}

function showOffer(token: string, preview: Preview): void {
  const org = preview.organizationName;
  setText('offer-summary', `You are invited to join ${org} on Happening as ${preview.role}.`);
  setText('offer-organization', org);
  setText('offer-role', preview.role);
  setText('offer-role-meaning', roleMeaning[preview.role]);
  setText('offer-email', preview.email);
  const expiry = byId('offer-expiry', HTMLTimeElement);
  expiry.dateTime = preview.expiresAt;
  expiry.textContent = formatDate(preview.expiresAt);
  setText(
    'signup-note',
    `Your account uses the invited address and belongs to ${org} only; no organization of your own is created.`,
  );
  page.signupEmail.value = preview.email;
  page.signinEmail.value = preview.email;

  for (const radio of document.querySelectorAll('input[name="path"]')) {
    radio.addEventListener('change', (event) => {
      const target = event.target;
      if (target instanceof HTMLInputElement && (target.value === 'signup' || target.value === 'signin')) {
        choosePath(target.value);
      }
    });
  }

  page.signinOther.addEventListener('click', () => {
    page.signinEmail.readOnly = false;
    page.signinEmailHint.textContent = `The invitation is for ${preview.email}: another address can join only if an admin of ${org} invites it.`;
    page.signinEmail.select();
    page.signinEmail.focus();
  });

  /** The invitation stopped being usable while the page was open: say why instead of a form. */
  async function reloadPreview() {
    try {
      explainUnusable(await lookUp(token));
    } catch {
      showUnknownLink();
    }
  }

  page.signupForm.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors(page.signupForm);
    const name = page.signupName.value.trim();
    const password = page.signupPassword.value;
    if (!name) return showError(page.signupError, 'Enter your name.', page.signupName);
    if (password.length < 10) {
      return showError(page.signupError, 'Choose a password of at least 10 characters.', page.signupPassword);
    }
    return whileBusy(page.signupForm, async () => {
      try {
        const created = await api<Static<typeof SignupResponse>>('/invitations/signup', {
          method: 'POST',
          body: { token, name, password },
        });
        showJoined(created.organization, created.user.email);
      } catch (error) {
        if (error instanceof ApiError && error.code === 'EMAIL_TAKEN') {
          choosePath('signin');
          return showError(
            page.signinError,
            `An account for ${preview.email} already exists. Sign in with its password to join.`,
            page.signinPassword,
          );
        }
        if (error instanceof ApiError && error.status === 404) return reloadPreview();
        const { message } = describeFailure(error, preview, preview.email);
        showError(page.signupError, message);
      }
    });
  });

  page.signinForm.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors(page.signinForm);
    const email = page.signinEmail.value.trim();
    const password = page.signinPassword.value;
    if (!page.signinEmail.checkValidity()) {
      return showError(page.signinError, 'Enter the email address of your account.', page.signinEmail);
    }
    if (!password) return showError(page.signinError, 'Enter your password.', page.signinPassword);
    return whileBusy(page.signinForm, async () => {
      try {
        const session = await api<Static<typeof LoginResponse>>('/auth/login', {
          method: 'POST',
          body: { email, password },
        });
        const accepted = await api<Static<typeof AcceptInvitationResponse>>('/invitations/accept', {
          method: 'POST',
          headers: { authorization: `Bearer ${session.token}` },
          body: { token },
        });
        showJoined(accepted.organization, session.user.email);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return reloadPreview();
        const { message, field } = describeFailure(error, preview, email);
        showError(page.signinError, message, field);
      }
    });
  });

  choosePath('signup');
  states.show('offer', `Join ${org} on Happening`);
}

function lookUp(token: string): Promise<Preview> {
  return api<Preview>('/invitations/lookup', { method: 'POST', body: { token } });
}

/**
 * The token is the fragment (`/invitations#inv_…`). A link mailed before tokens moved there has it
 * as the last part of the path instead (`/invitations/inv_…`): it is moved into the fragment at
 * once, so the address bar, the history and a reload no longer put it in a request. A malformed
 * escape makes it an unknown link.
 */
function tokenFromAddress(): string {
  try {
    const fragment = decodeURIComponent(window.location.hash.slice(1));
    if (fragment) return fragment;
    const parts = window.location.pathname.split('/');
    const last = parts.length > 2 ? decodeURIComponent(parts.pop() ?? '') : '';
    if (last) window.history.replaceState(null, '', `/invitations#${encodeURIComponent(last)}`);
    return last;
  } catch {
    return '';
  }
}

async function start() {
  const token = tokenFromAddress();
  if (token.length < 16) return showUnknownLink();
  let preview: Preview;
  try {
    preview = await lookUp(token);
  } catch (error) {
    // 400: not even shaped like a token; 404: no such invitation.
    if (error instanceof ApiError && (error.status === 404 || error.status === 400)) return showUnknownLink();
    return states.notLoaded('The invitation could not be loaded', error);
  }
  if (preview.status !== 'pending' || preview.expired) return explainUnusable(preview);
  return showOffer(token, preview);
}

start();
