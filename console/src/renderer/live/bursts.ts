/**
 * What the console does when live messages come in bursts. An on-sale confirms hundreds of
 * bookings a second; the console gets a `booking` message (and an in-app notification) for each.
 * Refetching the bookings list for each one would cancel every fetch by the next before it
 * answered, and a desktop alert for each would bury the organizer's screen. Both are throttled:
 * the first of a burst at once, the rest folded into one at the end of the window.
 *
 * lodash's `throttle` (leading and trailing edges) is the timing: well known, and exactly this.
 */
import { hashKey, type QueryClient, type QueryKey } from '@tanstack/react-query';
import throttle from 'lodash-es/throttle.js';
import type { DesktopNotification } from '../../shared-ipc/channels.js';

/** How often a list refetches at most while its messages keep arriving. */
export const REFETCH_EVERY_MS = 1_000;
/** How often a burst raises a desktop alert at most. */
export const ALERT_EVERY_MS = 5_000;

/**
 * `invalidate(key)` marks the query stale and refetches it, at most once per `waitMs` per key:
 * once at the first call, once more at the end of the window if calls came during it. A fetch in
 * flight is never cancelled (a list slower to answer than the window would otherwise never
 * arrive); the refetch waits for it and goes once more after it, so the list always ends newer
 * than the last message.
 */
export function throttledInvalidation(
  queryClient: QueryClient,
  waitMs = REFETCH_EVERY_MS,
): { invalidate(queryKey: QueryKey): void; cancel(): void } {
  const byKey = new Map<string, ReturnType<typeof throttle>>();
  const refresher = (queryKey: QueryKey) => {
    let running = false;
    let again = false;
    const run = async () => {
      running = true;
      try {
        do {
          again = false;
          // A fetch already on its way may have left before the message: wait for it first.
          if (queryClient.isFetching({ queryKey }) > 0)
            await queryClient.invalidateQueries({ queryKey }, { cancelRefetch: false });
          await queryClient.invalidateQueries({ queryKey }, { cancelRefetch: false });
        } while (again);
      } finally {
        running = false;
      }
    };
    return throttle(() => {
      if (running) again = true;
      else void run();
    }, waitMs);
  };
  return {
    invalidate(queryKey) {
      const hash = hashKey(queryKey);
      let refetch = byKey.get(hash);
      if (!refetch) {
        refetch = refresher(queryKey);
        byKey.set(hash, refetch);
      }
      refetch();
    },
    cancel() {
      for (const refetch of byKey.values()) refetch.cancel();
      byKey.clear();
    },
  };
}

/**
 * `alert(notification)` shows the first alert of a burst as it is; the ones that arrive within
 * `waitMs` after it become one alert at the window's end, written by `summarise` from all of them
 * (a single one is shown as it is).
 */
export function throttledAlerts(
  show: (notification: DesktopNotification) => void,
  summarise: (notifications: DesktopNotification[]) => DesktopNotification,
  waitMs = ALERT_EVERY_MS,
): { alert(notification: DesktopNotification): void; cancel(): void } {
  let pending: DesktopNotification[] = [];
  const flush = throttle(() => {
    const batch = pending;
    pending = [];
    if (batch.length === 1) show(batch[0]!);
    else if (batch.length > 1) show(summarise(batch));
  }, waitMs);
  return {
    alert(notification) {
      pending.push(notification);
      flush();
    },
    cancel() {
      flush.cancel();
      pending = [];
    },
  };
}

/** A burst summed up: "12 new bookings", naming the first three by what `name` picks of each. */
function summary(noun: string, name: (alert: DesktopNotification) => string) {
  return (alerts: DesktopNotification[]): DesktopNotification => {
    const named = alerts.slice(0, 3).map(name);
    const rest = alerts.length - named.length;
    return {
      title: `${alerts.length} new ${noun}`,
      body: rest > 0 ? `${named.join('; ')} and ${rest} more` : named.join('; '),
    };
  };
}

/** Bookings by their alerts' bodies ("Ada: A-1; …"). */
export const summariseBookings = summary('bookings', (alert) => alert.body);
/** Notifications of any kind by their titles. */
export const summariseNotifications = summary('notifications', (alert) => alert.title);
