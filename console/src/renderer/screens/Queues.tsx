/**
 * Queues and failed deliveries. What it shows depends on who is looking:
 * - the deployment's operators (`OPERATOR_EMAILS`) see the shared notifications pipeline, live from
 *   the `queues` socket event with `/ops/queues` as the first answer and the fallback, and may
 *   replay every dead letter;
 * - an organization's admin sees that organization's own dead letters (what failed and why) and
 *   replays them, and nobody else's.
 * Anyone else is not offered the screen (App.tsx) and, if they open it, is told why it is empty.
 */
import type { DeadLetter } from '@happening/shared';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useRef } from 'react';
import { keys, type QueueStats } from '../api/queries.js';
import { useSignedIn } from '../app/session.js';
import {
  ConfirmButton,
  countOf,
  Empty,
  ErrorNote,
  formatDateTime,
  LineChart,
  Loading,
  type SeriesPoint,
} from '../ui/common.js';

/** Dead letters are not pushed: poll while the screen is open. */
const DEAD_LETTERS_REFRESH_MS = 15_000;

export function QueuesScreen() {
  const { session, org } = useSignedIn();
  const id = useId();
  const operator = session.operator;
  const admin = org.role === 'admin';
  return (
    <section aria-labelledby={`${id}-title`}>
      <header className="screen-header">
        <h1 id={`${id}-title`}>{operator ? 'Queue stats' : 'Failed deliveries'}</h1>
      </header>
      {operator && <DeploymentQueues />}
      {admin && <OrganizationDeadLetters />}
      {!operator && !admin && (
        <p className="note">Only admins of {org.name} see its failed deliveries and replay them.</p>
      )}
    </section>
  );
}

/** The whole deployment's pipeline: operators only (the server answers 404 to anyone else). */
function DeploymentQueues() {
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
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: keys.queues(org.id) });
      void queryClient.invalidateQueries({ queryKey: keys.deadLetters(org.id) });
    },
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
    <section aria-labelledby={`${id}-deployment`}>
      <h2 id={`${id}-deployment`}>Every organization (you operate this deployment)</h2>
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
          question={`Send ${countOf(data.deadLetters, 'dead-lettered message')} of every organization back to the notifications queue?`}
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

/** The organization's own dead letters, for its admins. */
function OrganizationDeadLetters() {
  const { api, org } = useSignedIn();
  const queryClient = useQueryClient();
  const id = useId();
  const letters = useQuery({
    queryKey: keys.deadLetters(org.id),
    queryFn: () =>
      api.get<{ deadLetters: DeadLetter[]; total: number }>(`/orgs/${org.id}/dead-letters?limit=100`),
    refetchInterval: DEAD_LETTERS_REFRESH_MS,
  });
  const replay = useMutation({
    mutationFn: () => api.post<{ replayed: number }>(`/orgs/${org.id}/dead-letters/replay`, {}),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: keys.deadLetters(org.id) });
      void queryClient.invalidateQueries({ queryKey: keys.queues(org.id) });
    },
  });

  return (
    <section aria-labelledby={`${id}-org`}>
      <h2 id={`${id}-org`}>Failed deliveries of {org.name}</h2>
      <p className="muted">
        Notifications that could not be delivered after every retry (emails, webhooks). Replaying sends each
        again where it failed; what was delivered is not sent twice.
      </p>
      {letters.isPending && <Loading what="failed deliveries" />}
      {letters.isError && <ErrorNote error={letters.error} retry={() => void letters.refetch()} />}
      {letters.data && (
        <>
          <p>
            <span data-testid="org-dead-letters">{letters.data.total}</span>{' '}
            {letters.data.total === 1 ? 'message' : 'messages'} failed for good.
          </p>
          {letters.data.deadLetters.length === 0 ? (
            <Empty title="Nothing failed for good." />
          ) : (
            <table className="list" data-testid="org-dead-letter-list">
              <caption>Oldest first</caption>
              <thead>
                <tr>
                  <th scope="col">Notification</th>
                  <th scope="col">Why it failed</th>
                  <th scope="col">When</th>
                </tr>
              </thead>
              <tbody>
                {letters.data.deadLetters.map((letter) => (
                  <tr key={letter.messageId}>
                    <th scope="row">
                      {letter.type} <span className="muted">({letter.messageId.slice(0, 8)})</span>
                    </th>
                    <td>{letter.reason || '—'}</td>
                    <td>{letter.deadLetteredAt ? formatDateTime(letter.deadLetteredAt) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div className="actions">
            <ConfirmButton
              label="Replay failed deliveries"
              disabled={letters.data.total === 0}
              question={`Send ${countOf(letters.data.total, 'failed message')} of ${org.name} again?`}
              confirmLabel="Replay"
              onConfirm={() => replay.mutateAsync()}
            />
            {replay.isSuccess && (
              <span role="status">Replayed {countOf(replay.data.replayed, 'message')}.</span>
            )}
          </div>
          {replay.isError && <ErrorNote error={replay.error} />}
        </>
      )}
    </section>
  );
}
