/**
 * What the server's own pages (the invitation page, the booking page) share in the browser: calls
 * to the public API, finding the page's elements, and showing one state of the page at a time
 * under its main heading. Built to /pages/assets/page-kit.js and imported by each page's script
 * as `/pages/assets/page-kit.js` (same origin, so `script-src 'self'` allows it; the pages build
 * keeps it external, so both pages share one copy). It only ever sets text (Trusted Types are on).
 */
import { ApiError, type ClientErrorCode, NETWORK_ERROR } from '@happening/shared/client-error';

export { ApiError };

interface ApiOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

interface ErrorAnswer {
  error?: { code?: ClientErrorCode; message?: string } & Record<string, unknown>;
}

/**
 * Calls the API below /api/v1 without cookies or caches: the pages authenticate with what they
 * send themselves. Resolves with the JSON answer of a 2xx; rejects with an `ApiError` on any other
 * answer, or none (`NETWORK_ERROR`, status 0, as in the widget and the console).
 */
export async function api<T>(
  path: string,
  { method = 'GET', body, headers = {} }: ApiOptions = {},
): Promise<T> {
  const allHeaders = { ...headers };
  if (body !== undefined) allHeaders['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers: allHeaders,
      body: body === undefined ? null : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, NETWORK_ERROR, 'Happening could not be reached');
  }
  const payload: unknown = await response.json().catch(() => null);
  if (response.ok) return payload as T;
  const { code, message, ...details } = (payload as ErrorAnswer | null)?.error ?? {};
  throw new ApiError(response.status, code ?? 'INTERNAL_ERROR', message ?? response.statusText, details);
}

export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`The page lacks #${id}`);
  return found;
}

export function setText(id: string, text: string): void {
  byId(id, HTMLElement).textContent = text;
}

/**
 * The words for a failure every page explains the same way (a bug in the page, no connection, too
 * many attempts, a server error); undefined for one the page words itself.
 */
export function commonFailure(error: unknown): string | undefined {
  if (!(error instanceof ApiError)) return 'Something went wrong in this page. Reload it and try again.';
  if (error.status === 0) return 'Happening could not be reached. Check your connection and try again.';
  if (error.code === 'RATE_LIMITED')
    return 'Too many attempts from your network. Wait a minute, then try again.';
  if (error.status >= 500) {
    return 'Happening could not finish this because of a problem on its side. Try again in a moment.';
  }
  return undefined;
}

/**
 * The page's states: one of `sections` (each a section of the page's HTML) shown at a time under
 * the main heading `#heading`, once `#loading` is gone. The `problem` section has
 * `#problem-reason` and `#problem-advice`.
 */
export function pageStates<Name extends string>(sections: Record<Name | 'problem', HTMLElement>) {
  const heading = byId('heading', HTMLHeadingElement);
  const loading = byId('loading', HTMLElement);
  /**
   * Set by the person's first action. From then on a new state takes focus to its heading, so a
   * screen reader reads what changed and keyboard users start from its top. On first load focus
   * stays where the browser put it.
   */
  let personHasActed = false;

  /** Shows one section; `text` is the new main heading, also the document's title. */
  function show(name: Name | 'problem', text: string): void {
    heading.textContent = text;
    document.title = `${text} · Happening`;
    loading.hidden = true;
    for (const [key, section] of Object.entries<HTMLElement>(sections)) {
      section.hidden = key !== name;
    }
    if (personHasActed) heading.focus();
  }

  function problem(headingText: string, reason: string, advice: string): void {
    setText('problem-reason', reason);
    setText('problem-advice', advice);
    show('problem', headingText);
  }

  /** Why the first load failed, when the link itself is not the problem. */
  function notLoaded(headingText: string, error: unknown): void {
    problem(
      headingText,
      error instanceof ApiError && error.status !== 0
        ? 'Happening could not answer just now.'
        : 'Happening could not be reached.',
      'Check your connection and reload this page.',
    );
  }

  /** The person acted (a click, a submission): later states take the focus. */
  function personActed(): void {
    personHasActed = true;
  }

  return { show, problem, notLoaded, personActed };
}
