import { createHmac, hkdfSync } from 'node:crypto';

/**
 * What the console sees instead of a hold token. A hold token is a bearer credential (whoever has
 * it may release, extend or book the hold), so it never goes to a console, whatever the role. The
 * holder id is an HMAC of the token: the same for the whole life of the hold (every seat of one
 * hold, on every server sharing TOKEN_SECRET), so the console can group seats by holder, and
 * useless as a credential, since no route accepts it and the token cannot be recovered from it.
 *
 * The key is derived from TOKEN_SECRET with HKDF under its own label, like the manage-token key,
 * so it is never the key that signs session tokens.
 */
const KEY_LABEL = 'happening/holder-id/v1';
/** 16 base64url characters: 96 bits, so two holds of one event never share an id in practice. */
const ID_LENGTH = 16;
/** Ids of recent tokens, so a busy sale hashes each hold once, not once per seat change. */
const CACHE_LIMIT = 10_000;

export class HolderIds {
  private readonly key: Buffer;
  private readonly cache = new Map<string, string>();

  constructor(tokenSecret: string) {
    this.key = Buffer.from(hkdfSync('sha256', tokenSecret, '', KEY_LABEL, 32));
  }

  /** The holder id of `holdToken` (`hd_…`). */
  of(holdToken: string): string {
    const cached = this.cache.get(holdToken);
    if (cached) return cached;
    const id = `hd_${createHmac('sha256', this.key).update(holdToken).digest('base64url').slice(0, ID_LENGTH)}`;
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(holdToken, id);
    return id;
  }
}
