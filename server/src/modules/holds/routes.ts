import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  EventParams,
  Hold,
  HoldBody,
  HoldParams,
  HoldSeatParams,
  isHoldToken,
  ProofOfWorkChallenge,
  withErrors,
} from '@happening/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { limitKeyOf } from '../../lib/client-address.js';
import { AppError, notFound } from '../../lib/errors.js';
import { scriptError } from '../bookings/service.js';
import { assertSameOrg, eventOnSale } from '../events/access.js';
import { assertSaleOpen } from '../events/sale-window.js';
import { checkoutHold, extendHold, holdSeats, newHoldToken, toHold } from './service.js';

/**
 * Hold tokens are `<eventId>.hold_<random>`: a call that carries only the token finds its event.
 * Only a token of that shape yields an id, so what reaches PostgreSQL is always a real UUID.
 */
export function eventIdOfHold(holdToken: string): string {
  if (!isHoldToken(holdToken)) throw new AppError(404, 'HOLD_NOT_FOUND', 'Unknown hold token');
  return holdToken.slice(0, holdToken.indexOf('.'));
}

const holdRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const asHolder = app.authenticate('publishable', 'secret', 'user');
  // A hold pays two limits: per client address (with the plugin's 429 and X-RateLimit headers,
  // exactly as a route-level `config.rateLimit`) and per hold token. Both counters are asked at
  // once, so their Redis calls leave together (auto-pipelined) and cost one round trip, not two.
  const perAddress = app.rateLimit({
    max: app.config.HOLD_RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    keyGenerator: (request: FastifyRequest) => `hold-ip:${limitKeyOf(request.ip)}`,
  });
  const perToken = app.createRateLimit({
    max: app.config.HOLD_RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    keyGenerator: (request: FastifyRequest) =>
      `hold-token:${(request.body as { holdToken?: string })?.holdToken ?? ''}`,
  });
  /** preValidation: the body is parsed (the token is in it) and nothing else has run yet. */
  const holdLimits = async (request: FastifyRequest, reply: FastifyReply) => {
    const holdToken = (request.body as { holdToken?: unknown } | undefined)?.holdToken;
    const [address, token] = await Promise.allSettled([
      perAddress.call(app, request, reply),
      typeof holdToken === 'string' && holdToken !== '' ? perToken(request) : null,
    ]);
    // The address's refusal first, as when it ran on its own before the token's.
    if (address.status === 'rejected') throw address.reason;
    // skipOnError: a Redis outage must not take holds down; readiness reports it.
    const limit = token.status === 'fulfilled' ? token.value : null;
    if (limit && !limit.isAllowed && limit.isExceeded) {
      throw new AppError(429, 'RATE_LIMITED', 'Too many changes to this hold; slow down');
    }
  };
  const tags = ['holds'];
  const tokenRule =
    'Takes the `holdToken` exactly as the hold was answered (`<eventId>.hold_<random>`, 74 characters); ' +
    'a value of another shape is 400 `VALIDATION_FAILED`.';

  async function eventOfHold(request: FastifyRequest, holdToken: string) {
    const token = holdToken;
    const event = await app.findEvent(eventIdOfHold(holdToken));
    if (!event) throw new AppError(404, 'HOLD_NOT_FOUND', 'Unknown hold token');
    await assertSameOrg(app, request, event).catch(() => {
      throw new AppError(404, 'HOLD_NOT_FOUND', 'Unknown hold token');
    });
    return { event, token };
  }

  app.get(
    '/events/:id/challenge',
    {
      schema: {
        tags,
        summary: 'A proof-of-work challenge for a hold',
        description:
          'An ALTCHA challenge (protocol v1, SHA-256) for one hold of this event. Solve it and send the ' +
          "base64 payload as the hold's `altcha`. Needed for every publishable-key hold when the event " +
          'has `proofOfWork` on, and for any hold that takes a client address past half of its seat ' +
          'allowance; a hold refused with 428 `CHALLENGE_REQUIRED` carries a fresh one too. A challenge ' +
          'expires after `POW_CHALLENGE_TTL_SECONDS` and each solution is accepted once.',
        params: EventParams,
        response: withErrors({ 200: ProofOfWorkChallenge }),
      },
      preHandler: asHolder,
    },
    async (request, reply) => {
      const event = await eventOnSale(app, request, request.params.id);
      return reply.header('cache-control', 'no-store').send(await app.holdGuard.challengeFor(event));
    },
  );

  app.post(
    '/events/:id/holds',
    {
      schema: {
        tags,
        summary: 'Hold seats, general-admission places or best available, or add to a hold',
        description:
          'Holds named seats, general-admission places or the best available block, all or nothing, ' +
          'for `holdTtlSeconds`; with `holdToken` the places join that hold. With the publishable key ' +
          "the places count against the client address's allowance for this event " +
          '(`maxSeatsPerAddress`, `maxHoldsPerAddress`): past it the answer is 409 `HOLD_CAP_REACHED` ' +
          '(`cap`: `seats` or `holds`, `max`). A hold that needs proof of work and has no valid `altcha` ' +
          'is answered 428 `CHALLENGE_REQUIRED` with a fresh `challenge` to solve and send back. ' +
          "While the event's waiting room is active, a publishable-key hold needs the queue ticket's " +
          '`admissionToken` (403 `ADMISSION_REQUIRED` with a `reason`); one admission carries one hold ' +
          'at a time. Outside the sale window: 409 `NOT_ON_SALE`. ' +
          'Secret-key and session holds (a partner backend, a box office) are not capped, and only they ' +
          "may name an `externalId` (403 `FORBIDDEN` with the publishable key), which the hold's webhooks " +
          '(`hold_expiring`, `hold_expired`, `hold_extended`) carry. ' +
          'At most `HOLD_RATE_LIMIT_PER_MINUTE` requests per client address (see `TRUST_PROXY`; IPv6 ' +
          'by its /64) and per hold token per minute, socket holds included; beyond, 429 ' +
          '`RATE_LIMITED` with `Retry-After`.',
        params: EventParams,
        body: HoldBody,
        response: withErrors({ 200: Hold }),
      },
      preValidation: holdLimits,
      preHandler: asHolder,
      // Replaced by holdLimits, which asks both of this route's counters in one round trip.
      config: { rateLimit: false },
    },
    async (request, reply) => {
      const event = await eventOnSale(app, request, request.params.id);
      assertSaleOpen(event);
      if (request.body.holdToken && eventIdOfHold(request.body.holdToken) !== event.id) {
        throw new AppError(404, 'HOLD_NOT_FOUND', 'The hold belongs to another event');
      }
      const { altcha, admissionToken, ...body } = request.body;
      const publishable = request.principal?.kind === 'publishable';
      if (publishable && body.externalId !== undefined) {
        // A browser's value would reach the partner's systems as if the partner had named it.
        throw new AppError(403, 'FORBIDDEN', 'externalId is for partner backends: hold with the secret key');
      }
      const attendee = publishable
        ? await app.holdGuard.capFor(event, limitKeyOf(request.ip), altcha)
        : undefined;
      // While the waiting room is active an attendee holds only under a live admission (secret-key
      // and session holds, a partner backend or a box office, are not gated).
      const token = body.holdToken ?? newHoldToken(event.id);
      const admitted = publishable
        ? await app.waitingRoom.admitHold(event, admissionToken, {
            token,
            existing: body.holdToken !== undefined,
          })
        : <T>(make: (maxPlaces?: number) => Promise<T>) => make();
      const notify = body.holdToken ? undefined : await app.holdSubscriptions.notifyFor(event.orgId);
      const hold = await admitted((maxPlaces) =>
        holdSeats(app.inventory, event, body, {
          token,
          ...(attendee ? { attendee } : {}),
          notify,
          maxPlaces,
        }),
      );
      return reply.send(hold);
    },
  );

  app.get(
    '/holds/:holdToken',
    {
      schema: {
        tags,
        summary: 'A hold: its seats, places and expiry',
        description: `${tokenRule} A token of another organization, or one that expired, is 404 \`HOLD_NOT_FOUND\`.`,
        params: HoldParams,
        response: withErrors({ 200: Hold }),
      },
      preHandler: asHolder,
    },
    async (request) => {
      const { event, token } = await eventOfHold(request, request.params.holdToken);
      const result = await app.inventory.run(event.id, 'hold_get', { token });
      if (!result.ok) throw scriptError(result);
      return toHold(event.id, result.hold);
    },
  );

  app.post(
    '/holds/:holdToken/extend',
    {
      schema: {
        tags,
        summary: 'Extend a hold',
        description:
          'A full `holdTtlSeconds` from now, at most 2 times and never past 3 × the TTL after the hold ' +
          'was made (409 `EXTENSION_LIMIT_REACHED`). The places stay counted against their address ' +
          'meanwhile; with the publishable key, a hold whose address holds more than its allowance ' +
          'cannot be extended (409 `HOLD_CAP_REACHED`).',
        params: HoldParams,
        response: withErrors({ 200: Hold }),
      },
      preHandler: asHolder,
    },
    async (request) => {
      const { event, token } = await eventOfHold(request, request.params.holdToken);
      return extendHold(app.inventory, event, token, request.principal?.kind === 'publishable');
    },
  );

  app.post(
    '/holds/:holdToken/checkout',
    {
      schema: {
        tags,
        summary: "Start the partner's checkout: a short grace, once, so payment and expiry cannot race",
        description:
          `${tokenRule} Secret key only (a partner backend about to take payment). The hold then lives at ` +
          'least `HOLD_CHECKOUT_GRACE_SECONDS` from this call, and never longer than that unless it had ' +
          'more left already; its widget going away no longer releases it. Once per hold: a second call ' +
          'is 409 `CHECKOUT_ALREADY_STARTED`. An expiry it moves is reported as `hold_extended` ' +
          '(`reason: checkout`) to subscribed webhooks. Book the hold before `expiresAt`.',
        params: HoldParams,
        response: withErrors({ 200: Hold }),
      },
      preHandler: app.authenticate('secret'),
    },
    async (request) => {
      const { event, token } = await eventOfHold(request, request.params.holdToken);
      return checkoutHold(app.inventory, event, token, app.config.HOLD_CHECKOUT_GRACE_SECONDS * 1_000);
    },
  );

  app.delete(
    '/holds/:holdToken',
    {
      schema: {
        tags,
        summary: 'Release a whole hold: every seat and place goes back on sale at once',
        description: tokenRule,
        params: HoldParams,
      },
      preHandler: asHolder,
    },
    async (request, reply) => {
      const { event, token } = await eventOfHold(request, request.params.holdToken);
      const result = await app.inventory.run(event.id, 'release', { token, all: true });
      if (!result.ok) throw scriptError(result);
      return reply.status(204).send();
    },
  );

  app.delete(
    '/holds/:holdToken/seats/:seatId',
    {
      schema: {
        tags,
        summary: 'Release one seat of a hold and keep the rest (the widget\'s "×")',
        description: `${tokenRule} A seat the hold does not cover is 404 \`NOT_FOUND\`; the answer is the hold that is left.`,
        params: HoldSeatParams,
        response: withErrors({ 200: Hold }),
      },
      preHandler: asHolder,
    },
    async (request) => {
      const { event, token } = await eventOfHold(request, request.params.holdToken);
      const result = await app.inventory.run(event.id, 'release', { token, seats: [request.params.seatId] });
      if (!result.ok) throw scriptError(result);
      // Only a release with the seat in it released anything.
      if (!result.hold || result.released.length === 0) throw notFound('Seat in this hold');
      return toHold(event.id, result.hold);
    },
  );
};

export default holdRoutes;
