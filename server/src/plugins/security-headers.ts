import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

declare module 'fastify' {
  interface RouteShorthandOptions {
    /** The route's own security headers, merged over the server's (its pages' policies). */
    helmet?: HelmetOptions;
  }
  interface FastifyContextConfig {
    securityHeaders?: SecurityHeaders;
  }
}

type SecurityHeaders = ReturnType<typeof helmet>;

/**
 * helmet's headers on every response (its middleware sets them on the raw response before the
 * route runs), each policy built once: the server's when the route has none of its own, else the
 * route's merged over it. @fastify/helmet, used before, built helmet's middleware anew on every
 * request, re-parsing the Content-Security-Policy each time: about 2.5% of the server's time on a
 * REST hold, in a profile of the benchmark's holds suite.
 */
export function registerSecurityHeaders(app: FastifyInstance, options: HelmetOptions): void {
  const common = helmet(options);
  app.addHook('onRoute', (route) => {
    if (route.helmet === undefined) return;
    // helmet's options type forbids each option beside its old alias, which a spread cannot show.
    const merged = { ...options, ...route.helmet } as HelmetOptions;
    route.config = { ...route.config, securityHeaders: helmet(merged) };
  });
  app.addHook('onRequest', (request, reply, done) => {
    const headers = request.routeOptions.config.securityHeaders ?? common;
    headers(request.raw, reply.raw, (error) => done(error as Error | undefined));
  });
}
