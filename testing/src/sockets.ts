import type { Ack, WidgetClientToServer, WidgetServerToClient } from '@happening/shared';
import { io, type Socket } from 'socket.io-client';
import type { TestApp } from './server.js';

export type WidgetSocket = Socket<WidgetServerToClient, WidgetClientToServer>;
export type Transport = 'websocket' | 'polling';

/** Where `app` listens (it must have been started with `listen({ port: 0 })`). */
export const urlOf = (app: TestApp) => `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

/** Widget sockets opened by a test file, to close in afterAll. */
export const openSockets: WidgetSocket[] = [];

export function widgetSocket(
  url: string,
  publishableKey: string,
  options: { transport?: Transport; forwardedFor?: string } = {},
): WidgetSocket {
  const socket: WidgetSocket = io(`${url}/widget`, {
    auth: { publishableKey },
    transports: [options.transport ?? 'websocket'],
    extraHeaders: options.forwardedFor ? { 'x-forwarded-for': options.forwardedFor } : {},
    reconnection: false,
    forceNew: true,
  });
  openSockets.push(socket);
  return socket;
}

/** 'connected', or the code the server refused the handshake with. */
export function connected(socket: WidgetSocket): Promise<string> {
  return new Promise((resolve) => {
    if (socket.connected) return resolve('connected');
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (error) => resolve(error.message));
  });
}

/** Sends one widget message and resolves with its ack, whatever it says. */
export function send<E extends keyof WidgetClientToServer>(
  socket: WidgetSocket,
  event: E,
  payload: Parameters<WidgetClientToServer[E]>[0],
): Promise<Ack<unknown>> {
  return new Promise((resolve) => {
    (socket.emit as (event: string, payload: unknown, ack: (answer: Ack<unknown>) => void) => void)(
      event,
      payload,
      resolve,
    );
  });
}

/** A client address of its own for this run, so counters left by earlier runs do not matter. */
export const freshAddress = () =>
  `198.51.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
