import jwt from '@fastify/jwt';
import type { Role } from '@happening/shared';
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type pg from 'pg';
import { AppError, forbidden, notFound, unauthenticated } from '../lib/errors.js';
import { hashSecretKey } from '../lib/keys.js';
import type { PublishableKeyMatch } from '../modules/orgs/repository.js';
import { PreviewKeys } from '../widget-preview/preview-keys.js';

export type Principal =
  | { kind: 'user'; userId: string; sessionId: string }
  | { kind: 'publishable'; orgId: string }
  | { kind: 'secret'; orgId: string };
export type PrincipalKind = Principal['kind'];

/** A session token that is signed, unexpired and not revoked. */
export interface Session {
  userId: string;
  sessionId: string;
  /** When the token expires (ms since the epoch): console sockets are dropped then. */
  expiresAt: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** preHandler: the request must carry one of these kinds of credential. */
    authenticate: (...kinds: PrincipalKind[]) => preHandlerAsyncHookHandler;
    /** preHandler: reads a credential when one is sent (public routes that show more to members). */
    identify: preHandlerAsyncHookHandler;
    /**
     * The caller's role in `orgId`, at least `minimum`. No access at all answers 404 (another
     * organization's things do not exist for you); too small a role answers 403.
     */
    requireRole: (request: FastifyRequest, orgId: string, minimum: Role, what?: string) => Promise<Role>;
    /**
     * Organization of a publishable key (the current one, or the previous one during its grace
     * after a rotation), or null. Cached briefly: it sits on the hold path.
     */
    orgByPublishableKey: (key: string) => Promise<{ id: string; allowedOrigins: string[] } | null>;
    /** Drops cached key lookups (after origins change or a rotation). Other servers follow within 5 s. */
    forgetKeyLookups: () => void;
    /**
     * The session a token stands for, or null when it is forged, expired or revoked. Reads the
     * session's row every time (no cache), so a sign-out on any server holds here at once.
     */
    verifySessionToken: (token: string) => Promise<Session | null>;
    /**
     * Starts a session for `userId` and returns its token. `ttlSeconds` defaults to
     * TOKEN_TTL_SECONDS; `db` records the session inside the caller's transaction.
     */
    issueSession: (userId: string, options?: { ttlSeconds?: number; db?: pg.PoolClient }) => Promise<string>;
    /** Short-lived stand-ins for a publishable key, for the console's sandboxed widget preview. */
    previewKeys: PreviewKeys;
  }
}

const rank: Record<Role, number> = { viewer: 1, organizer: 2, admin: 3 };
/** How long a key lookup is trusted; a rotated key stops working on every server within it. */
const KEY_CACHE_MS = 5_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default fp(
  async (app) => {
    await app.register(jwt, {
      secret: app.config.TOKEN_SECRET,
      sign: { expiresIn: app.config.TOKEN_TTL_SECONDS, iss: 'happening' },
      verify: { allowedIss: 'happening' },
    });
    const accounts = app.accountsRepo;
    const previewKeys = new PreviewKeys(app.config.TOKEN_SECRET);
    app.decorate('previewKeys', previewKeys);
    const sessions = app.sessionsRepo;
    // Key lookups are cached for 5 s, and a lookup in flight is shared: a burst of requests with
    // a key not yet cached (a sale opening, a partner's batch) costs one query, not one each.
    const publishableCache = new Map<string, { at: number; org: Promise<PublishableKeyMatch | null> }>();

    function lookUpPublishableKey(key: string): Promise<PublishableKeyMatch | null> {
      const cached = publishableCache.get(key);
      if (cached && Date.now() - cached.at < KEY_CACHE_MS) return cached.org;
      const org = app.organizationsRepo.findByPublishableKey(key);
      if (publishableCache.size > 10_000) publishableCache.clear();
      const entry = { at: Date.now(), org };
      publishableCache.set(key, entry);
      // A failed lookup is not an answer to remember.
      org.catch(() => {
        if (publishableCache.get(key) === entry) publishableCache.delete(key);
      });
      return org;
    }

    app.decorate('orgByPublishableKey', async (key: string) => {
      const match = await lookUpPublishableKey(key);
      // A previous key's grace ends at its expiry on every server, whatever the cache remembers.
      if (!match || (match.expiresAt !== null && match.expiresAt <= Date.now())) return null;
      return { id: match.id, allowedOrigins: match.allowedOrigins };
    });

    // Partner backends book with their secret key on every call: known keys are cached briefly,
    // by hash, and forgotten on rotation (other servers follow within the cache time).
    const secretCache = new Map<string, { at: number; orgId: Promise<string | null> }>();
    function orgBySecretKey(secretKey: string): Promise<string | null> {
      const hash = hashSecretKey(secretKey);
      const cached = secretCache.get(hash);
      if (cached && Date.now() - cached.at < KEY_CACHE_MS) return cached.orgId;
      const orgId = app.organizationsRepo.findIdBySecretKeyHash(hash);
      if (secretCache.size > 10_000) secretCache.clear();
      const entry = { at: Date.now(), orgId };
      secretCache.set(hash, entry);
      // Only known keys stay cached: an unknown one (or a failed lookup) is asked again next time.
      orgId.then(
        (id) => {
          if (id === null && secretCache.get(hash) === entry) secretCache.delete(hash);
        },
        () => {
          if (secretCache.get(hash) === entry) secretCache.delete(hash);
        },
      );
      return orgId;
    }

    app.decorate('forgetKeyLookups', () => {
      publishableCache.clear();
      secretCache.clear();
    });

    app.decorate(
      'issueSession',
      async (userId: string, options: { ttlSeconds?: number; db?: pg.PoolClient } = {}) => {
        const ttlSeconds = options.ttlSeconds ?? app.config.TOKEN_TTL_SECONDS;
        const session = await sessions.create(userId, ttlSeconds, options.db);
        const payload = { sub: userId, jti: session.id };
        // The default lifetime uses the plugin's signer; another one needs a signer of its own.
        return options.ttlSeconds === undefined
          ? app.jwt.sign(payload)
          : app.jwt.sign(payload, { expiresIn: ttlSeconds });
      },
    );

    app.decorate('verifySessionToken', async (token: string): Promise<Session | null> => {
      let payload: { sub?: unknown; jti?: unknown; exp?: unknown };
      try {
        payload = app.jwt.verify(token);
      } catch {
        return null;
      }
      const { sub, jti, exp } = payload;
      // Tokens from before sessions were recorded carry no `jti`: they cannot be revoked, so they are refused.
      if (typeof sub !== 'string' || typeof jti !== 'string' || typeof exp !== 'number') return null;
      if (!UUID.test(jti) || !UUID.test(sub)) return null;
      if (!(await sessions.isLive(jti, sub))) return null;
      return { userId: sub, sessionId: jti, expiresAt: exp * 1_000 };
    });

    async function resolve(request: FastifyRequest): Promise<Principal | null> {
      const header = request.headers.authorization;
      if (!header) return null;
      const [scheme, credential] = header.split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !credential)
        throw unauthenticated('Use "Authorization: Bearer …"');
      if (credential.startsWith('pk_')) {
        const org = await app.orgByPublishableKey(credential);
        if (!org) throw unauthenticated('Unknown publishable key');
        const origin = request.headers.origin;
        // Browsers always send Origin on cross-origin calls; servers calling with a pk have none to check.
        if (origin && !org.allowedOrigins.includes(origin)) {
          throw new AppError(
            403,
            'ORIGIN_NOT_ALLOWED',
            `${origin} is not allowed to use this publishable key; add it to the organization's allowed origins`,
            { origin },
          );
        }
        return { kind: 'publishable', orgId: org.id };
      }
      if (credential.startsWith('pv_')) {
        // The console's sandboxed preview: its Origin is "null", so none is checked (see preview-keys.ts).
        const orgId = previewKeys.verify(credential);
        if (!orgId) throw unauthenticated('The preview key is invalid or expired; open the preview again');
        return { kind: 'publishable', orgId };
      }
      if (credential.startsWith('sk_')) {
        const orgId = await orgBySecretKey(credential);
        if (!orgId) throw unauthenticated('Unknown secret key');
        return { kind: 'secret', orgId };
      }
      const session = await app.verifySessionToken(credential);
      if (!session)
        throw unauthenticated('The session token is invalid, expired or signed out; sign in again');
      return { kind: 'user', userId: session.userId, sessionId: session.sessionId };
    }

    app.decorate('identify', async (request: FastifyRequest) => {
      request.principal = await resolve(request);
    });

    app.decorateRequest('principal', null);

    app.decorate('authenticate', (...kinds: PrincipalKind[]) => {
      const handler: preHandlerAsyncHookHandler = async (request) => {
        const principal = await resolve(request);
        if (!principal) throw unauthenticated();
        if (!kinds.includes(principal.kind)) {
          throw forbidden(
            `This call does not accept a ${principal.kind === 'user' ? 'session token' : `${principal.kind} key`}`,
          );
        }
        request.principal = principal;
      };
      return handler;
    });

    app.decorate(
      'requireRole',
      async (request: FastifyRequest, orgId: string, minimum: Role, what = 'Resource') => {
        const principal = request.principal;
        let role: Role | null = null;
        if (principal?.kind === 'user') role = await accounts.roleOf(principal.userId, orgId);
        // A secret key acts for its organization's backend: it may sell and cancel, not administer.
        else if (principal?.kind === 'secret' && principal.orgId === orgId) role = 'organizer';
        if (!role) throw notFound(what);
        if (rank[role] < rank[minimum]) throw forbidden(`This needs the ${minimum} role; you are ${role}`);
        return role;
      },
    );
  },
  { name: 'auth', dependencies: ['config', 'repositories'] },
);
