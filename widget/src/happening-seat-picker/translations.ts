import type { Strings } from './strings.js';

/**
 * The languages shipped besides English (strings.ts). Each lives in locales/<language>.ts, is
 * written to dist/locales/<language>.json by the build and served by the Happening server at
 * /widget/locales/<language>.json, so the element's bundle carries English only and a page
 * loads at most one other language.
 */
export const LANGUAGES = ['de', 'fr', 'es'];

/** The element's language tag: its `locale` attribute, else the nearest `lang` (the page's). */
export function localeOf(element: HTMLElement, locale: string | undefined): string | undefined {
  return locale || element.closest('[lang]')?.getAttribute('lang') || undefined;
}

/** `de-AT` → `de`; anything not shipped → `en`. */
export function languageOf(tag: string | undefined): string {
  const language = (tag ?? '').toLowerCase().split(/[-_]/)[0]!;
  return LANGUAGES.includes(language) ? language : 'en';
}

const loaded = new Map<string, Promise<Partial<Strings>>>();

/**
 * One language's strings, fetched once per page and server. English needs no fetch; a language
 * that cannot be fetched falls back to English (and is tried again by the next element).
 */
export function translation(server: string, language: string): Promise<Partial<Strings>> {
  if (language === 'en') return Promise.resolve({});
  const key = `${server} ${language}`;
  let strings = loaded.get(key);
  if (!strings) {
    strings = fetch(`${server}/widget/locales/${language}.json`, { credentials: 'omit' })
      .then((response) => (response.ok ? (response.json() as Promise<Partial<Strings>>) : {}))
      .catch(() => ({}));
    loaded.set(key, strings);
    void strings.then((value) => Object.keys(value).length === 0 && loaded.delete(key));
  }
  return strings;
}
