/**
 * The sale and its waiting line, live: where the sale stands (scheduled, on sale, paused, ended)
 * with the organizer's controls (open now, pause, resume), and while the event has a line, how
 * many wait, the admission and sales rates, the shoppers inside, the expected time to sell out,
 * a plot of the line over time and the meter (admissions per minute, shoppers at once).
 * `GET /events/:id/queue/stats` first, then the `queue-stats` push of the event's room.
 */
import type { Event, WaitingRoomStats } from '@happening/shared';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { useSignedIn } from '../app/session.js';
import { ConfirmButton, ErrorNote, formatDateTime, LineChart } from '../ui/common.js';
import type { ConsoleSocket } from './connection.js';

export type SaleState = WaitingRoomStats['saleState'];

export const queueStatsKey = (eventId: string) => ['queue-stats', eventId] as const;

const saleStateText: Record<SaleState, string> = {
  scheduled: 'Scheduled',
  on_sale: 'On sale',
  paused: 'Paused',
  ended: 'Ended',
};

/** "45 s", "12 min", "2 h 5 min". */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null) return '–';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function WaitingRoomPanel({
  event,
  socket,
  generation,
  canAct,
}: {
  event: Event;
  socket: ConsoleSocket | null;
  generation: number;
  canAct: boolean;
}) {
  const { api } = useSignedIn();
  const queryClient = useQueryClient();
  const id = useId();
  const lineOn = event.waitingRoom.enabled;
  const stats = useQuery({
    queryKey: queueStatsKey(event.id),
    queryFn: () => api.get<WaitingRoomStats>(`/events/${event.id}/queue/stats`),
    enabled: lineOn,
  });
  const [actionError, setActionError] = useState<unknown>(null);

  // The room is joined by the live seat map's watch; this only listens (again after a reconnect).
  useEffect(() => {
    if (!socket || generation === 0) return;
    const onStats = (next: WaitingRoomStats) => {
      if (next.eventId === event.id) queryClient.setQueryData(queueStatsKey(event.id), next);
    };
    socket.on('queue-stats', onStats);
    return () => void socket.off('queue-stats', onStats);
  }, [socket, generation, event.id, queryClient]);

  const saleState: SaleState = stats.data?.saleState ?? event.saleState;
  /** Runs one control; says whether it worked (the error shows under the panel). */
  const act = async (path: string, body?: unknown): Promise<boolean> => {
    setActionError(null);
    try {
      if (body === undefined) await api.post(`/events/${event.id}${path}`);
      else await api.patch(`/events/${event.id}${path}`, body);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ['event', event.id] }),
        queryClient.invalidateQueries({ queryKey: queueStatsKey(event.id) }),
      ]);
      return true;
    } catch (error) {
      setActionError(error);
      return false;
    }
  };

  const data = stats.data;
  const points = (pick: (point: WaitingRoomStats['series'][number]) => number) =>
    (data?.series ?? []).map((point) => ({ t: Date.parse(point.at), value: pick(point) }));

  return (
    <section aria-labelledby={`${id}-title`} className="waiting-room">
      <h2 id={`${id}-title`}>Sale and waiting line</h2>
      <p>
        <span className={`badge ${saleState}`} data-testid="sale-state">
          {saleStateText[saleState]}
        </span>{' '}
        {event.onSaleAt && <span className="muted">opens {formatDateTime(event.onSaleAt)}</span>}
        {event.offSaleAt && <span className="muted"> · closes {formatDateTime(event.offSaleAt)}</span>}
      </p>
      {canAct && event.status === 'on_sale' && (
        <div className="actions">
          {saleState === 'scheduled' && (
            <ConfirmButton
              label="Open now"
              question={`Open the sale of “${event.name}” now${lineOn ? '; everyone in the pre-queue gets a place drawn at random' : ''}?`}
              confirmLabel="Open the sale"
              onConfirm={() => act('/sale/open')}
            />
          )}
          {saleState === 'on_sale' && (
            <button type="button" onClick={() => void act('/sale/pause')}>
              Pause sale
            </button>
          )}
          {saleState === 'paused' && (
            <button type="button" onClick={() => void act('/sale/resume')}>
              Resume sale
            </button>
          )}
        </div>
      )}
      {lineOn && (
        <>
          {stats.isError && <ErrorNote error={stats.error} retry={() => void stats.refetch()} />}
          <dl className="counters" aria-label="Waiting line">
            <div>
              <dt>Waiting</dt>
              <dd data-testid="line-waiting">{data?.waiting ?? '–'}</dd>
            </div>
            <div>
              <dt>Admitted / min</dt>
              <dd data-testid="line-admitted">{data?.admittedPerMinute ?? '–'}</dd>
            </div>
            <div>
              <dt>Shopping now</dt>
              <dd data-testid="line-active">{data?.activeShoppers ?? '–'}</dd>
            </div>
            <div>
              <dt>Sold / min</dt>
              <dd data-testid="line-sold">{data?.soldPerMinute ?? '–'}</dd>
            </div>
            <div>
              <dt>Sells out in</dt>
              <dd data-testid="line-sell-out">{data ? formatSeconds(data.expectedSellOutSeconds) : '–'}</dd>
            </div>
          </dl>
          <LineChart
            title="The line over time"
            series={[
              { name: 'Waiting', colour: '#3b5bdb', points: points((p) => p.waiting) },
              { name: 'Admitted', colour: '#2b8a3e', points: points((p) => p.admitted) },
              { name: 'Sold', colour: '#b07300', points: points((p) => p.sold) },
            ]}
          />
        </>
      )}
      {canAct && event.status !== 'cancelled' && (
        <MeterForm event={event} onSave={(body) => act('/waiting-room', body)} />
      )}
      {actionError !== null && <ErrorNote error={actionError} />}
    </section>
  );
}

/** The line's switch and meter, changeable mid-sale (empty: no limit of that kind). */
function MeterForm({
  event,
  onSave,
}: {
  event: Event;
  onSave(body: {
    enabled: boolean;
    admitPerMinute: number | null;
    maxActiveShoppers: number | null;
  }): Promise<boolean>;
}) {
  const id = useId();
  const room = event.waitingRoom;
  const [enabled, setEnabled] = useState(room.enabled);
  const [rate, setRate] = useState(room.admitPerMinute?.toString() ?? '');
  const [active, setActive] = useState(room.maxActiveShoppers?.toString() ?? '');
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const numberOrNull = (text: string) => (text.trim() === '' ? null : Number(text));
  return (
    <form
      className="row"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setSaved(false);
        try {
          setSaved(
            await onSave({
              enabled,
              admitPerMinute: numberOrNull(rate),
              maxActiveShoppers: numberOrNull(active),
            }),
          );
        } finally {
          setBusy(false);
        }
      }}
    >
      <label>
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Waiting
        line
      </label>
      <label htmlFor={`${id}-rate`}>Admit per minute</label>
      <input
        id={`${id}-rate`}
        type="number"
        min={1}
        max={100000}
        placeholder="no limit"
        value={rate}
        onChange={(e) => setRate(e.target.value)}
      />
      <label htmlFor={`${id}-active`}>Shoppers at once</label>
      <input
        id={`${id}-active`}
        type="number"
        min={1}
        max={100000}
        placeholder="no limit"
        value={active}
        onChange={(e) => setActive(e.target.value)}
      />
      <button type="submit" disabled={busy}>
        {busy ? 'Saving…' : 'Apply'}
      </button>
      {saved && <span role="status">Applied.</span>}
    </form>
  );
}
