import fp from 'fastify-plugin';
import { WaitingRoomTicker } from '../waiting-room/ticker.js';
import { WaitingRoom } from '../waiting-room/waiting-room.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every event's waiting room: the line, its admissions and the gate in front of holds (docs/waiting-room.md). */
    waitingRoom: WaitingRoom;
    /** This server's admission ticks and pushes to its own sockets. */
    waitingRoomTicker: WaitingRoomTicker;
  }
}

export default fp(
  async (app) => {
    const room = new WaitingRoom(
      app.redis,
      app.pg,
      app.holdGuard,
      {
        admissionMs: app.config.QUEUE_ADMISSION_SECONDS * 1_000,
        statsEveryMs: app.config.QUEUE_STATS_INTERVAL_MS,
        tokenSecret: app.config.TOKEN_SECRET,
      },
      app.log,
    );
    const ticker = new WaitingRoomTicker(
      room,
      app.redis,
      app.findEvent,
      (eventId) => app.inventory.ensureLoaded(eventId),
      app.io,
      {
        tickMs: app.config.QUEUE_TICK_MS,
        pushMs: app.config.QUEUE_PUSH_INTERVAL_MS,
        statsMs: app.config.QUEUE_STATS_INTERVAL_MS,
      },
      app.log,
    );
    app.decorate('waitingRoom', room);
    app.decorate('waitingRoomTicker', ticker);
    app.addHook('onReady', async () => ticker.start());
    app.addHook('preClose', async () => ticker.stop());
  },
  {
    name: 'waiting-room',
    dependencies: ['config', 'postgres', 'redis', 'hold-guard', 'socketio', 'inventory'],
  },
);
