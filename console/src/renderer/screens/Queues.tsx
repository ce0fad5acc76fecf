/**
 * Queue stats: the notifications pipeline at a glance. Live from the `queues` socket event, with
 * `/ops/queues` as the first answer and the fallback.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useRef } from 'react';
import { keys, type QueueStats } from '../api/queries.js';
import { useSignedIn } from '../app/session.js';
import { ConfirmButton, countOf, ErrorNote, LineChart, Loading, type SeriesPoint } from '../ui/common.js';

export function QueuesScreen() {
  const { api, org } = useSignedIn();
  const queryClient = useQueryClient();
  const id = useId();
  const stats = useQuery({
    queryKey: keys.queues(org.id),
    queryFn: () => api.get<QueueStats>('/ops/queues'),
    // The socket pushes updates; polling is the fallback when it is down.
    refetchInterval: 10_000,
  });
  const replay = useMutation({
    mutationFn: () => api.post<{ replayed: number }>('/ops/dead-letters/replay', {}),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.queues(org.id) }),
  });
  const backlog = useRef<SeriesPoint[]>([]);
  if (stats.data) {
    const last = backlog.current.at(-1);
    if (!last || Date.now() - last.t > 1_000)
      backlog.current = [...backlog.current, { t: Date.now(), value: stats.data.outbox.backlog }].slice(-300);
  }

  if (stats.isPending) return <Loading what="queue stats" />;
  if (stats.isError) return <ErrorNote error={stats.error} retry={() => void stats.refetch()} />;
  const data = stats.data;
  const perMinute = data.perMinute.map((m) => ({
    t: Date.parse(m.minute),
    delivered: m.delivered,
    failed: m.failed,
  }));

  return (
    <section aria-labelledby={`${id}-title`}>
      <header className="screen-header">
        <h1 id={`${id}-title`}>Queue stats</h1>
      </header>
      <table className="list" data-testid="queues">
        <caption>RabbitMQ queues</caption>
        <thead>
          <tr>
            <th scope="col">Queue</th>
            <th scope="col" className="num">
              Ready
            </th>
            <th scope="col" className="num">
              Unacked
            </th>
            <th scope="col" className="num">
              Consumers
            </th>
          </tr>
        </thead>
        <tbody>
          {data.queues.map((queue) => (
            <tr key={queue.name}>
              <th scope="row">{queue.name}</th>
              <td className="num">{queue.ready}</td>
              <td className="num">{queue.unacked}</td>
              <td className="num">
                {queue.consumers}
                {/* Dead-letter and retry queues are never consumed; only the main one needs a worker. */}
                {queue.consumers === 0 && !/\.(dead|retry)/.test(queue.name) && (
                  <span className="warn"> · no worker is consuming: start one with npm run worker</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <dl className="counters">
        <div>
          <dt>Dead letters</dt>
          <dd data-testid="dead-letters">{data.deadLetters}</dd>
        </div>
        <div>
          <dt>Outbox backlog</dt>
          <dd data-testid="outbox-backlog">{data.outbox.backlog}</dd>
        </div>
        <div>
          <dt>Oldest unsent</dt>
          <dd>
            {data.outbox.oldestAgeSeconds === null ? '—' : `${Math.round(data.outbox.oldestAgeSeconds)} s`}
          </dd>
        </div>
      </dl>
      <div className="actions">
        <ConfirmButton
          label="Replay dead letters"
          disabled={data.deadLetters === 0}
          question={`Send ${data.deadLetters} dead-lettered messages back to the notifications queue?`}
          confirmLabel="Replay"
          onConfirm={() => replay.mutateAsync()}
        />
        {data.deadLetters === 0 && <span className="muted">No dead letters: nothing failed for good.</span>}
        {replay.isSuccess && <span role="status">Replayed {countOf(replay.data.replayed, 'message')}.</span>}
      </div>
      {replay.isError && <ErrorNote error={replay.error} />}
      <div className="charts">
        <LineChart
          title="Delivered and failed per minute"
          series={[
            {
              name: 'Delivered',
              colour: '#2f9e5b',
              points: perMinute.map((m) => ({ t: m.t, value: m.delivered })),
            },
            {
              name: 'Failed',
              colour: '#c92a2a',
              points: perMinute.map((m) => ({ t: m.t, value: m.failed })),
            },
          ]}
        />
        <LineChart
          title="Outbox backlog"
          series={[{ name: 'Backlog', colour: '#5c5f66', points: backlog.current }]}
        />
      </div>
    </section>
  );
}
