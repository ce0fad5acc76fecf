import { QueryClient, QueryObserver } from '@tanstack/react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  summariseBookings,
  summariseNotifications,
  throttledAlerts,
  throttledInvalidation,
} from '../../src/renderer/live/bursts.js';
import type { DesktopNotification } from '../../src/shared-ipc/channels.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('an on-sale burst of booking messages', () => {
  it('refetches a watched list twice (at once and after the burst), never cancelling a fetch, and ends with the latest data', async () => {
    const queryClient = new QueryClient();
    let served = 0;
    let aborted = 0;
    const observer = new QueryObserver(queryClient, {
      queryKey: ['bookings', 'e1'],
      queryFn: async ({ signal }) => {
        const answer = ++served;
        signal.addEventListener('abort', () => aborted++);
        await new Promise((resolve) => setTimeout(resolve, 30));
        return answer;
      },
    });
    const unsubscribe = observer.subscribe(() => {});
    await vi.waitFor(() => expect(observer.getCurrentResult().data).toBe(1));

    const refetch = throttledInvalidation(queryClient, 200);
    // 500 bookings in the same moment, and another list's messages beside them.
    for (let i = 0; i < 500; i++) {
      refetch.invalidate(['bookings', 'e1']);
      refetch.invalidate(['waitlist', 'e1']);
    }
    await vi.waitFor(() => expect(observer.getCurrentResult().data).toBe(3), { timeout: 2_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The first fetch, one for the burst's start, one after it: not 500.
    expect(served).toBe(3);
    expect(aborted).toBe(0);
    expect(observer.getCurrentResult().data).toBe(3);
    unsubscribe();
    refetch.cancel();
  });

  it('never cancels a list slower than the window, and ends with data fetched after the last message', async () => {
    const queryClient = new QueryClient();
    let started = 0;
    let aborted = 0;
    const startedAt: number[] = [];
    const observer = new QueryObserver(queryClient, {
      queryKey: ['bookings', 'e2'],
      queryFn: async ({ signal }) => {
        started++;
        startedAt.push(Date.now());
        signal.addEventListener('abort', () => aborted++);
        await new Promise((resolve) => setTimeout(resolve, 150));
        return startedAt.length;
      },
    });
    const unsubscribe = observer.subscribe(() => {});
    await vi.waitFor(() => expect(observer.getCurrentResult().data).toBe(1));
    const refetch = throttledInvalidation(queryClient, 50);
    // A message every 10 ms for 400 ms, each list fetch taking 150 ms.
    let lastMessageAt = 0;
    for (let i = 0; i < 40; i++) {
      refetch.invalidate(['bookings', 'e2']);
      lastMessageAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await vi.waitFor(() => expect(observer.getCurrentResult().fetchStatus).toBe('idle'), { timeout: 3_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(observer.getCurrentResult().fetchStatus).toBe('idle');
    expect(aborted).toBe(0);
    // One fetch at a time, back to back, not one per message; the last left after the last message.
    expect(started).toBeLessThanOrEqual(6);
    expect(startedAt.at(-1)!).toBeGreaterThanOrEqual(lastMessageAt);
    expect(observer.getCurrentResult().data).toBe(started);
    unsubscribe();
    refetch.cancel();
  });

  it('raises one desktop alert for the first booking and one summing up the rest of the burst', () => {
    vi.useFakeTimers();
    const shown: DesktopNotification[] = [];
    const alerts = throttledAlerts((alert) => shown.push(alert), summariseBookings, 5_000);
    alerts.alert({ title: 'New booking', body: 'Ada: A-1' });
    expect(shown).toEqual([{ title: 'New booking', body: 'Ada: A-1' }]);
    for (let i = 2; i <= 400; i++) alerts.alert({ title: 'New booking', body: `Guest ${i}: A-${i}` });
    expect(shown).toHaveLength(1);
    vi.advanceTimersByTime(5_000);
    expect(shown).toEqual([
      { title: 'New booking', body: 'Ada: A-1' },
      { title: '399 new bookings', body: 'Guest 2: A-2; Guest 3: A-3; Guest 4: A-4 and 396 more' },
    ]);
    // Quiet afterwards: nothing more is shown, and the next booking alone is shown as it is.
    vi.advanceTimersByTime(60_000);
    expect(shown).toHaveLength(2);
    alerts.alert({ title: 'New booking', body: 'Grace: B-1' });
    expect(shown.at(-1)).toEqual({ title: 'New booking', body: 'Grace: B-1' });
    alerts.cancel();
  });

  it('sums up other notifications by their titles', () => {
    expect(
      summariseNotifications([
        { title: 'Booking confirmed', body: '' },
        { title: 'Booking cancelled', body: '' },
      ]),
    ).toEqual({ title: '2 new notifications', body: 'Booking confirmed; Booking cancelled' });
  });
});
