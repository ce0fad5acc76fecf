import fp from 'fastify-plugin';

/**
 * Requests in flight when the server starts closing still get their answer, with
 * `Connection: close` so the client does not keep an idle keep-alive socket that would hold
 * the close open until its timeout.
 */
export default fp(
  async (app) => {
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
      app.server.closeIdleConnections();
    });
    app.addHook('onSend', async (_request, reply) => {
      if (closing) reply.header('connection', 'close');
    });
  },
  { name: 'graceful' },
);
