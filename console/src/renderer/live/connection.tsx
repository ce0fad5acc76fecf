/**
 * The one Socket.IO connection to `/console`. It reports its state for the connection banner, and
 * after every reconnect it refetches what the screens show (the server may have moved on while we
 * were away) and tells live views to take a fresh snapshot.
 */
import {
  CONSOLE_NAMESPACE,
  type ConsoleClientToServer,
  type ConsoleServerToClient,
  type QueueStats,
} from '@happening/shared';
import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { platform } from '../app/platform.js';
import { useSession } from '../app/session.js';
import { summariseNotifications, throttledAlerts, throttledInvalidation } from './bursts.js';

export type ConsoleSocket = Socket<ConsoleServerToClient, ConsoleClientToServer>;
export type ConnectionState = 'offline' | 'connecting' | 'connected' | 'reconnecting';

interface ConnectionValue {
  socket: ConsoleSocket | null;
  state: ConnectionState;
  /** Increments on every (re)connect, so effects that watch rooms run again. */
  generation: number;
  lastError: string | null;
}

const ConnectionContext = createContext<ConnectionValue>({
  socket: null,
  state: 'offline',
  generation: 0,
  lastError: null,
});

export function ConnectionProvider({ children }: { children: ReactNode }) {
  const { serverUrl, session, org, confirmSession } = useSession();
  const queryClient = useQueryClient();
  const [value, setValue] = useState<ConnectionValue>({
    socket: null,
    state: 'offline',
    generation: 0,
    lastError: null,
  });
  const token = session?.token;
  const orgId = org?.id;
  // The latest one, without making a new socket whenever the session value changes.
  const confirm = useRef(confirmSession);
  confirm.current = confirmSession;

  useEffect(() => {
    if (!token || !serverUrl) return;
    const socket: ConsoleSocket = io(`${serverUrl}${CONSOLE_NAMESPACE}`, {
      auth: { token },
      transports: ['websocket'],
      reconnectionDelayMax: 5_000,
    });
    let connectedBefore = false;
    let closed = false;
    setValue({ socket, state: 'connecting', generation: 0, lastError: null });
    socket.on('connect', () => {
      // After a reconnect every list may be stale: refetch whatever is on screen.
      if (connectedBefore) void queryClient.invalidateQueries();
      connectedBefore = true;
      setValue((previous) => ({
        ...previous,
        state: 'connected',
        generation: previous.generation + 1,
        lastError: null,
      }));
    });
    socket.on('disconnect', (reason) => {
      setValue((previous) => ({ ...previous, state: 'reconnecting' }));
      // Socket.IO does not reconnect by itself when the server closed the connection. The server
      // does that when this token was signed out, expired or replaced, and when it shuts down: ask
      // whether the session still stands, and reconnect only then (else the console signs out).
      if (reason === 'io server disconnect') {
        void confirm.current(token).then((stands) => {
          if (stands && !closed) socket.connect();
        });
      }
    });
    socket.on('connect_error', (error) =>
      setValue((previous) => ({
        ...previous,
        state: connectedBefore ? 'reconnecting' : 'connecting',
        lastError: error.message,
      })),
    );
    return () => {
      closed = true;
      socket.disconnect();
      setValue({ socket: null, state: 'offline', generation: 0, lastError: null });
    };
  }, [serverUrl, token, queryClient]);

  // The organization's room: in-app notifications. Switching organizations leaves the old room, so
  // its notifications stop arriving (and desktop alerts stop naming it). Queue stats come to
  // operators' sockets only, whatever the organization (the server decides).
  const { socket, generation } = value;
  useEffect(() => {
    if (!socket || !orgId || generation === 0) return;
    socket.emit('org:watch', { orgId }, () => {});
    // One arrives for every booking of an on-sale: one desktop alert per burst, the inbox and the
    // deliveries refetched at most once a second.
    const alerts = throttledAlerts((alert) => platform.notify(alert), summariseNotifications);
    const refetch = throttledInvalidation(queryClient);
    const onNotification = (notification: Parameters<ConsoleServerToClient['notification']>[0]) => {
      // One may still be on its way from the room just left.
      if (notification.orgId !== orgId) return;
      refetch.invalidate(['notifications', orgId]);
      // The worker records a notification's webhook deliveries before it pushes the in-app one.
      refetch.invalidate(['webhook-deliveries', orgId]);
      alerts.alert({ title: notification.title, body: notification.body });
    };
    const onQueues = (stats: QueueStats) => {
      queryClient.setQueryData(['queues', orgId], stats);
    };
    socket.on('notification', onNotification);
    socket.on('queues', onQueues);
    return () => {
      alerts.cancel();
      refetch.cancel();
      socket.off('notification', onNotification);
      socket.off('queues', onQueues);
      // A disconnected socket has no rooms left on the server, and a buffered unwatch would be sent
      // after the reconnect, where it could undo that connection's fresh watch.
      if (socket.connected) socket.emit('org:unwatch', { orgId });
    };
  }, [socket, orgId, generation, queryClient]);

  return <ConnectionContext.Provider value={value}>{children}</ConnectionContext.Provider>;
}

export function useConnection(): ConnectionValue {
  return useContext(ConnectionContext);
}
