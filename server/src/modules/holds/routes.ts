import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EventParams, Hold, HoldBody, HoldParams, HoldSeatParams, withErrors } from '@happening/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toHoldView } from '../../inventory/redis-inventory.js';
import { limitKeyOf } from '../../lib/client-address.js';
import { AppError, notFound } from '../../lib/errors.js';
import { scriptError } from '../bookings/service.js';
import { assertSameOrg, eventOnSale } from '../events/access.js';
import { extendHold, holdSeats, toHold } from './service.js';

/** Hold tokens are `<eventId>.<random>`: a call that carries only the token finds its event. */
export function eventIdOfHold(holdToken: string): string {
  const dot = holdToken.indexOf('.');
  if (dot !== 36) throw new AppError(404, 'HOLD_NOT_FOUND', 'Unknown hold token');
  return holdToken.slice(0, dot);
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

  async function eventOfHold(request: FastifyRequest, holdToken: string) {
    const token = holdToken;
    const event = await app.findEvent(eventIdOfHold(holdToken));
    if (!event) throw new AppError(404, 'HOLD_NOT_FOUND', 'Unknown hold token');
    await assertSameOrg(app, request, event).catch(() => {
      throw new AppError(404, 'HOLD_NOT_FOUND', 'Unknown hold token');
    });
    return { event, token };
  }

  app.post(
    '/events/:id/holds',
    {
      schema: {
        tags,
        summary: 'Hold seats, general-admission places or best available, or add to a hold',
        description:
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
      if (request.body.holdToken && eventIdOfHold(request.body.holdToken) !== event.id) {
        throw new AppError(404, 'HOLD_NOT_FOUND', 'The hold belongs to another event');
      }
      return reply.send(await holdSeats(app.inventory, event, request.body));
    },
  );

  app.get(
    '/holds/:holdToken',
    { schema: { tags, params: HoldParams, response: withErrors({ 200: Hold }) }, preHandler: asHolder },
    async (request) => {
      const { event, token } = await eventOfHold(request, request.params.holdToken);
      const result = await app.inventory.run(event.id, 'hold_get', { token });
      if (!result.ok) throw scriptError(result);
      return toHold(event.id, toHoldView(result.hold));
    },
  );

  app.post(
    '/holds/:holdToken/extend',
    { schema: { tags, params: HoldParams, response: withErrors({ 200: Hold }) }, preHandler: asHolder },
    async (request) => {
      const { event, token } = await eventOfHold(request, request.params.holdToken);
      return extendHold(app.inventory, event, token);
    },
  );

  app.delete(
    '/holds/:holdToken',
    { schema: { tags, params: HoldParams }, preHandler: asHolder },
    async (request, reply) => {
      const { event, token } = await eventOfHold(request, request.params.holdToken);
      const result = await app.inventory.run(event.id, 'release', { token, all: true });
      if (!result.ok) throw scriptError(result);
      return reply.status(204).send();
    },
  );

  app.delete(
    '/holds/:holdToken/seats/:seatId',
    { schema: { tags, params: HoldSeatParams, response: withErrors({ 200: Hold }) }, preHandler: asHolder },
    async (request) => {
      const { event, token } = await eventOfHold(request, request.params.holdToken);
      const result = await app.inventory.run(event.id, 'release', { token, seats: [request.params.seatId] });
      if (!result.ok) throw scriptError(result);
      if (!result.hold || (result.released as unknown[] | undefined)?.length === 0)
        throw notFound('Seat in this hold');
      return toHold(event.id, toHoldView(result.hold));
    },
  );
};

export default holdRoutes;
