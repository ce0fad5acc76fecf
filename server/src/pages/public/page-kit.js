// @ts-check
/**
 * What the server's own pages (the invitation page, the booking page) share in the browser: calls
 * to the public API, finding the page's elements, and showing one state of the page at a time
 * under its main heading. Served at /pages/assets/page-kit.js and imported by each page's script
 * (`import … from '/pages/assets/page-kit.js'`, same origin, so `script-src 'self'` allows it).
 * It only ever sets text (Trusted Types are on).
 *
 * Type-checked by `tsc -b` through ./tsconfig.json (JSDoc types, no build step).
 */

/** A failed API call: `status` 0 when the server could not be reached at all. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Calls the API without cookies or caches: the pages authenticate with what they send themselves.
 * @param {string} path below /api/v1
 * @param {{ method?: string, body?: unknown, headers?: Record<string, string> }} [options]
 * @returns {Promise<any>} the JSON answer of a 2xx
 * @throws {ApiError} on any other answer, or none
 */
export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const allHeaders = { ...headers };
  if (body !== undefined) allHeaders['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers: allHeaders,
      body: body === undefined ? null : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'UNREACHABLE', 'Happening could not be reached');
  }
  const payload = await response.json().catch(() => null);
  if (response.ok) return payload;
  throw new ApiError(
    response.status,
    payload?.error?.code ?? 'UNKNOWN',
    payload?.error?.message ?? response.statusText,
  );
}

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
export function byId(id, type) {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`The page lacks #${id}`);
  return found;
}

/** @param {string} id @param {string} text */
export function setText(id, text) {
  byId(id, HTMLElement).textContent = text;
}

/**
 * The words for a failure every page explains the same way (a bug in the page, no connection, too
 * many attempts, a server error); undefined for one the page words itself.
 * @param {unknown} error
 * @returns {string | undefined}
 */
export function commonFailure(error) {
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
 * @template {string} Name
 * @param {Record<Name | 'problem', HTMLElement>} sections
 */
export function pageStates(sections) {
  const heading = byId('heading', HTMLHeadingElement);
  const loading = byId('loading', HTMLElement);
  /**
   * Set by the person's first action. From then on a new state takes focus to its heading, so a
   * screen reader reads what changed and keyboard users start from its top. On first load focus
   * stays where the browser put it.
   */
  let personHasActed = false;

  /**
   * @param {Name | 'problem'} name
   * @param {string} text the new main heading, also the document's title
   */
  function show(name, text) {
    heading.textContent = text;
    document.title = `${text} · Happening`;
    loading.hidden = true;
    for (const [key, section] of /** @type {[string, HTMLElement][]} */ (Object.entries(sections))) {
      section.hidden = key !== name;
    }
    if (personHasActed) heading.focus();
  }

  /**
   * @param {string} headingText
   * @param {string} reason
   * @param {string} advice
   */
  function problem(headingText, reason, advice) {
    setText('problem-reason', reason);
    setText('problem-advice', advice);
    show('problem', headingText);
  }

  /**
   * Why the first load failed, when the link itself is not the problem.
   * @param {string} headingText
   * @param {unknown} error
   */
  function notLoaded(headingText, error) {
    problem(
      headingText,
      error instanceof ApiError && error.status !== 0
        ? 'Happening could not answer just now.'
        : 'Happening could not be reached.',
      'Check your connection and reload this page.',
    );
  }

  /** The person acted (a click, a submission): later states take the focus. */
  function personActed() {
    personHasActed = true;
  }

  return { show, problem, notLoaded, personActed };
}
