import { readFile } from 'node:fs/promises';
import { ErrorCode } from '@happening/shared';
import { CHALLENGE_UNSOLVABLE, NETWORK_ERROR } from '@happening/shared/client-error';
import { describe, expect, it } from 'vitest';
import { sentenceFor } from '../src/happening-seat-picker/error-sentences.js';
import de from '../src/happening-seat-picker/locales/de.js';
import es from '../src/happening-seat-picker/locales/es.js';
import fr from '../src/happening-seat-picker/locales/fr.js';
import { defaultStrings, type Strings } from '../src/happening-seat-picker/strings.js';
import { LANGUAGES, languageOf } from '../src/happening-seat-picker/translations.js';

/**
 * Codes the server only answers to the console's and the API's own callers (sign-up, members,
 * seat-map editing, webhooks, plan limits, the waitlist offer claimed on the server's own page):
 * nothing the widget calls can return them. Should one
 * reach it all the same, it reads genericError. A new code in shared/ fails the test below until
 * it is given a sentence or listed here with its reason.
 */
const NEVER_SENT_TO_THE_WIDGET = new Set<string>([
  'EMAIL_TAKEN',
  'INVALID_CREDENTIALS',
  'INVALID_SEAT_MAP',
  'EVENT_NOT_EDITABLE',
  'INVITATION_INVALID',
  'TOKEN_IN_URL',
  'ALREADY_MEMBER',
  'LAST_ADMIN',
  'ORGANIZATION_LIMIT_REACHED',
  'ORGANIZATION_NAME_TAKEN',
  'WEBHOOK_URL_NOT_ALLOWED',
  // Registering webhook endpoints is the console's (organizer tokens), never the widget's.
  'WEBHOOK_ENDPOINT_LIMIT_REACHED',
  'CURRENT_PASSWORD_WRONG',
  'EVENT_LIMIT_REACHED',
  'SEAT_LIMIT_REACHED',
  'OFFER_NOT_CLAIMABLE',
  // The widget's own client sends every body as JSON it built, with its content type: a server
  // answers these only to a broken client, and the generic sentence is then the right one.
  'UNSUPPORTED_MEDIA_TYPE',
  'MALFORMED_JSON',
  // POST /holds/:token/checkout takes the secret key: the partner's backend calls it, not the page.
  'CHECKOUT_ALREADY_STARTED',
]);

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('what an attendee reads when something fails', () => {
  const codes = [...Object.values(ErrorCode), NETWORK_ERROR, CHALLENGE_UNSOLVABLE];

  it.each(codes.filter((code) => !NEVER_SENT_TO_THE_WIDGET.has(code)))(
    '%s has a sentence of its own, in every language',
    (code) => {
      for (const strings of [defaultStrings, de, fr, es]) {
        expect(Object.hasOwn(strings, code), `${code} has no sentence in strings.ts and every locale`).toBe(
          true,
        );
        const sentence = sentenceFor(strings, code);
        expect(sentence).not.toBe(strings.genericError);
        expect(sentence.length).toBeGreaterThan(10);
        // Written for a person: no code, no placeholder left, not the server's message.
        expect(sentence).not.toMatch(/[A-Z]{2,}_[A-Z_]+|\{\w+\}|params\.|must NOT/);
      }
    },
  );

  it('an unknown code, or one meant for the console, reads the generic sentence', () => {
    expect(sentenceFor(defaultStrings, 'SOMETHING_NEW')).toBe(defaultStrings.genericError);
    expect(sentenceFor(defaultStrings, 'toString')).toBe(defaultStrings.genericError);
    // Only code-like names are looked up: another string is never shown for an odd code.
    expect(sentenceFor(defaultStrings, 'loading')).toBe(defaultStrings.genericError);
    for (const code of NEVER_SENT_TO_THE_WIDGET) {
      expect(Object.values(ErrorCode)).toContain(code);
      expect(sentenceFor(defaultStrings, code)).toBe(defaultStrings.genericError);
    }
  });

  it('a partner’s override of a sentence is what the attendee reads', () => {
    const strings: Strings = { ...defaultStrings, RATE_LIMITED: 'Langsam, bitte.' };
    expect(sentenceFor(strings, 'RATE_LIMITED')).toBe('Langsam, bitte.');
  });
});

describe('translations', () => {
  const locales: Record<string, Strings> = { de, fr, es };

  it.each(LANGUAGES)('%s has every key, with the same placeholders, and is really translated', (language) => {
    const strings = locales[language]!;
    expect(Object.keys(strings).sort()).toEqual(Object.keys(defaultStrings).sort());
    let same = 0;
    for (const [key, english] of Object.entries(defaultStrings)) {
      const translated = strings[key as keyof Strings];
      expect(translated.trim(), `${language}.${key}`).not.toBe('');
      expect(placeholders(translated), `${language}.${key}`).toEqual(placeholders(english));
      if (translated === english) same++;
    }
    // A handful are the same in both (Name, Total, Live, "{quantity} × {section}", "Details").
    expect(same).toBeLessThan(6);
  });

  it('the build writes each language where the server serves it from', async () => {
    for (const language of LANGUAGES) {
      const built = JSON.parse(
        await readFile(new URL(`../dist/locales/${language}.json`, import.meta.url), 'utf8'),
      );
      expect(built).toEqual(locales[language]);
    }
  });

  it('picks the language from a BCP 47 tag, English for anything not shipped', () => {
    expect(languageOf('de-AT')).toBe('de');
    expect(languageOf('fr_CA')).toBe('fr');
    expect(languageOf('ES')).toBe('es');
    expect(languageOf('it')).toBe('en');
    expect(languageOf(undefined)).toBe('en');
  });
});
