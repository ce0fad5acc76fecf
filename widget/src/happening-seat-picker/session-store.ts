/**
 * What the widget remembers per event for the life of the tab: the hold token (so a reload
 * within the hold's TTL keeps the selection) and a waitlist entry to keep following. It lives in
 * sessionStorage of the partner page's origin, never in a cookie, so third-party cookie rules
 * (Safari's ITP, Chrome's phase-out) do not apply and nothing follows the attendee across sites.
 */
export interface SavedSession {
  holdToken?: string;
  waitlist?: { bookingId: string; manageToken: string };
}

const key = (eventId: string) => `happening:${eventId}`;

export function loadSession(eventId: string): SavedSession {
  try {
    const raw = globalThis.sessionStorage?.getItem(key(eventId));
    return raw ? (JSON.parse(raw) as SavedSession) : {};
  } catch {
    // Storage can be disabled (sandboxed iframes, privacy modes): the widget still works, minus reloads.
    return {};
  }
}

export function saveSession(eventId: string, session: SavedSession): void {
  try {
    if (!session.holdToken && !session.waitlist) globalThis.sessionStorage?.removeItem(key(eventId));
    else globalThis.sessionStorage?.setItem(key(eventId), JSON.stringify(session));
  } catch {
    // See loadSession.
  }
}

const LIST_MODE = 'happening:list-mode';

/** Whether the attendee chose list mode, kept for every event on the page for the tab's life. */
export function loadListMode(): boolean {
  try {
    return globalThis.sessionStorage?.getItem(LIST_MODE) === '1';
  } catch {
    return false;
  }
}

export function saveListMode(on: boolean): void {
  try {
    globalThis.sessionStorage?.setItem(LIST_MODE, on ? '1' : '0');
  } catch {
    // See loadSession.
  }
}
