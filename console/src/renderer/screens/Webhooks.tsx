/**
 * Webhook endpoints of the organization: register one, see its signing secret once, send a test
 * event, rotate the secret, delete it, and how its recent deliveries went. Admins only, as the API.
 */
import type { NotificationType, WebhookEndpointCreated, WebhookSecretRotated } from '@happening/shared';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { Static } from 'typebox';
import { type Delivery, keys, type WebhookEndpoint } from '../api/queries.js';
import { useSignedIn } from '../app/session.js';
import {
  ConfirmButton,
  CopyButton,
  Empty,
  ErrorNote,
  ExternalLink,
  formatDateTime,
  Loading,
} from '../ui/common.js';
import { describeTestResult, endpointHealth, type TestResult } from './webhook-health.js';
import { describeSubscription, subscriptionOf, WEBHOOK_TYPE_LABELS, WEBHOOK_TYPES } from './webhook-types.js';

type Created = Static<typeof WebhookEndpointCreated>;
type Rotated = Static<typeof WebhookSecretRotated>;

/** A secret the server shows once: on creation or rotation. */
interface Revealed {
  endpointId: string;
  url: string;
  secret: string;
  /** After a rotation: until then the previous secret signs too. */
  previousSecretExpiresAt?: string;
}

/** Enough deliveries to cover the recent ones of every endpoint; the screen shows three each. */
const DELIVERY_WINDOW = 200;
/** Retries move a delivery from pending to sent or failed without any push: poll while open. */
const DELIVERY_REFRESH_MS = 10_000;

export function WebhooksScreen() {
  const { api, org, serverUrl } = useSignedIn();
  const queryClient = useQueryClient();
  const id = useId();
  const isAdmin = org.role === 'admin';
  const endpoints = useQuery({
    queryKey: keys.webhooks(org.id),
    queryFn: () =>
      api.get<{ endpoints: WebhookEndpoint[] }>(`/orgs/${org.id}/webhooks`).then((r) => r.endpoints),
    enabled: isAdmin,
  });
  const deliveries = useQuery({
    queryKey: keys.webhookDeliveries(org.id),
    queryFn: () =>
      api
        .get<{ deliveries: Delivery[] }>(
          `/orgs/${org.id}/deliveries?channel=webhook&limit=${DELIVERY_WINDOW}`,
        )
        .then((r) => r.deliveries),
    enabled: isAdmin && (endpoints.data?.length ?? 0) > 0,
    refetchInterval: DELIVERY_REFRESH_MS,
  });
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [chosen, setChosen] = useState<Set<NotificationType>>(() => new Set(WEBHOOK_TYPES));
  const types = subscriptionOf(chosen);
  const register = useMutation({
    mutationFn: () =>
      api.post<Created>(`/orgs/${org.id}/webhooks`, {
        url: url.trim(),
        ...(description.trim() ? { description: description.trim() } : {}),
        ...(types ? { types } : {}),
      }),
    onSuccess: (created) => {
      setRevealed({ endpointId: created.id, url: created.url, secret: created.secret });
      setUrl('');
      setDescription('');
      setChosen(new Set(WEBHOOK_TYPES));
      return queryClient.invalidateQueries({ queryKey: keys.webhooks(org.id) });
    },
  });
  const apiReference = `${serverUrl}/docs#/webhooks`;

  if (!isAdmin)
    return (
      <section aria-labelledby={`${id}-title`}>
        <header className="screen-header">
          <h1 id={`${id}-title`}>Webhooks</h1>
        </header>
        <p className="note">Only admins of {org.name} can see and manage webhook endpoints.</p>
      </section>
    );

  return (
    <section aria-labelledby={`${id}-title`}>
      <header className="screen-header">
        <h1 id={`${id}-title`}>Webhooks</h1>
      </header>
      <p className="muted">
        Each endpoint below receives the notification types it subscribes to (bookings, cancellations,
        waitlist changes, invitations, and a partner's holds about to expire, expired or extended) as a signed{' '}
        <code>POST</code>. Check the <code>webhook-signature</code> header with any Standard Webhooks library
        and the endpoint's signing secret.
      </p>

      {revealed && (
        <div className="note" role="status" data-testid="webhook-secret-panel">
          <p>
            {revealed.previousSecretExpiresAt ? 'New signing secret' : 'Signing secret'} for{' '}
            <code>{revealed.url}</code>, shown <strong>only now</strong>: you will not see it again. Store it
            where your receiver checks signatures.
          </p>
          <code data-testid="webhook-secret">{revealed.secret}</code>{' '}
          <CopyButton text={revealed.secret} label="Copy signing secret" />{' '}
          <button type="button" onClick={() => setRevealed(null)}>
            I stored it, hide it
          </button>
          {revealed.previousSecretExpiresAt && (
            <p>
              Deliveries carry signatures from both the new and the previous secret until{' '}
              {formatDateTime(revealed.previousSecretExpiresAt)}, so your receiver can switch in that time.
            </p>
          )}
        </div>
      )}

      {endpoints.isPending && <Loading what="webhook endpoints" />}
      {endpoints.isError && <ErrorNote error={endpoints.error} retry={() => void endpoints.refetch()} />}
      {endpoints.data?.length === 0 && (
        <Empty title="No webhook endpoints yet.">
          <p>
            A webhook tells your own systems (a CRM, a door-scanning app, a team chat) about each booking,
            cancellation, waitlist promotion and invitation as it happens, so nothing has to poll the API.
            Register the URL that should receive them below.
          </p>
          <p>
            Signature checks, retries and the event format are described in the README, section Notifications
            → Webhooks, and in your server's{' '}
            <ExternalLink href={apiReference}>webhook API reference</ExternalLink>.
          </p>
        </Empty>
      )}
      {deliveries.isError && <ErrorNote error={deliveries.error} retry={() => void deliveries.refetch()} />}
      {endpoints.data && endpoints.data.length > 0 && (
        <table className="list" data-testid="webhooks">
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">Receives</th>
              <th scope="col">Created</th>
              <th scope="col">Secret</th>
              <th scope="col">Recent deliveries</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {endpoints.data.map((endpoint) => (
              <EndpointRow
                key={endpoint.id}
                endpoint={endpoint}
                deliveries={deliveries.data}
                onRotated={(rotated) =>
                  setRevealed({
                    endpointId: endpoint.id,
                    url: endpoint.url,
                    secret: rotated.secret,
                    previousSecretExpiresAt: rotated.previousSecretExpiresAt,
                  })
                }
                onDeleted={() => setRevealed((shown) => (shown?.endpointId === endpoint.id ? null : shown))}
              />
            ))}
          </tbody>
        </table>
      )}

      <section aria-labelledby={`${id}-register`}>
        <h2 id={`${id}-register`}>Register an endpoint</h2>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            register.mutate();
          }}
        >
          <label htmlFor={`${id}-url`}>Endpoint URL</label>
          <input
            id={`${id}-url`}
            type="url"
            required
            size={40}
            maxLength={2_000}
            placeholder="https://crm.example.com/happening"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
          <label htmlFor={`${id}-description`}>Description (optional)</label>
          <input
            id={`${id}-description`}
            maxLength={200}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
          <TypeChoice legend="Receives" chosen={chosen} onChange={setChosen} />
          <button type="submit" className="primary" disabled={register.isPending || chosen.size === 0}>
            Register endpoint
          </button>
        </form>
        <p className="hint">
          With every type ticked the endpoint also receives types added later. Hold events are sent only for
          holds made while some endpoint subscribes to them.
        </p>
        <p className="hint">
          The server refuses loopback, private and cloud-metadata addresses (a development server may allow
          them), so a webhook cannot reach into the server's own network.
        </p>
        {register.isError && <ErrorNote error={register.error} />}
      </section>
    </section>
  );
}

function EndpointRow({
  endpoint,
  deliveries,
  onRotated,
  onDeleted,
}: {
  endpoint: WebhookEndpoint;
  deliveries: Delivery[] | undefined;
  onRotated: (rotated: Rotated) => void;
  onDeleted: () => void;
}) {
  const { api, org } = useSignedIn();
  const queryClient = useQueryClient();
  const base = `/orgs/${org.id}/webhooks/${endpoint.id}`;
  const sendTest = useMutation({ mutationFn: () => api.post<TestResult>(`${base}/test`) });
  const health = deliveries ? endpointHealth(deliveries, endpoint.id) : null;
  const outcome = sendTest.data ? describeTestResult(sendTest.data) : null;
  const label = endpoint.description || endpoint.url;
  return (
    <tr data-endpoint-id={endpoint.id}>
      <th scope="row">
        <code>{endpoint.url}</code>
        {endpoint.description && <div className="muted">{endpoint.description}</div>}
      </th>
      <td data-testid="webhook-types">
        <Subscription endpoint={endpoint} />
      </td>
      <td>
        {formatDateTime(endpoint.createdAt)}
        {endpoint.rotatedAt && (
          <div className="muted">secret rotated {formatDateTime(endpoint.rotatedAt)}</div>
        )}
      </td>
      <td>
        <code className="nowrap">whsec_…{endpoint.secretHint}</code>
      </td>
      <td data-testid="webhook-health">
        {health === null ? (
          <span className="muted">…</span>
        ) : (
          <>
            <p className={health.attention ? 'warn' : undefined}>{health.summary}</p>
            {health.recent.length > 0 && (
              <ul className="deliveries" aria-label={`Recent deliveries to ${label}`}>
                {health.recent.map((delivery) => (
                  <li key={delivery.id}>
                    <span className={`badge ${delivery.status}`}>{delivery.status}</span> {delivery.type}{' '}
                    <span className="muted">{formatDateTime(delivery.updatedAt)}</span>
                    {delivery.status !== 'sent' && delivery.lastError && (
                      <div className="muted">{delivery.lastError}</div>
                    )}
                  </li>
                ))}
              </ul>
            )}
            {health.sent + health.failed + health.pending > 0 && (
              <p className="muted">
                {health.sent} sent · {health.failed} failed · {health.pending} pending
              </p>
            )}
          </>
        )}
      </td>
      <td>
        <div className="actions">
          <button type="button" disabled={sendTest.isPending} onClick={() => sendTest.mutate()}>
            {sendTest.isPending ? 'Sending…' : 'Send test event'}
          </button>
          <ConfirmButton
            label="Rotate secret"
            question={`Rotate the signing secret of ${label}? For 24 hours deliveries are signed with both the new and the current secret; after that only the new one works.`}
            confirmLabel="Rotate"
            onConfirm={async () => {
              onRotated(await api.post<Rotated>(`${base}/rotate-secret`));
              await queryClient.invalidateQueries({ queryKey: keys.webhooks(org.id) });
            }}
          />
          <ConfirmButton
            label="Delete"
            danger
            question={`Delete the endpoint ${label}? It stops receiving notifications at once.`}
            confirmLabel="Delete endpoint"
            onConfirm={async () => {
              await api.delete(base);
              onDeleted();
              await queryClient.invalidateQueries({ queryKey: keys.webhooks(org.id) });
            }}
          />
        </div>
        <div role="status" data-testid="webhook-test-result">
          {outcome && <p className={outcome.delivered ? 'delivered' : 'warn'}>{outcome.text}</p>}
        </div>
        {sendTest.isError && <ErrorNote error={sendTest.error} />}
      </td>
    </tr>
  );
}

/** One checkbox per notification type; the caller keeps what is ticked. */
function TypeChoice({
  legend,
  chosen,
  onChange,
}: {
  legend: string;
  chosen: Set<NotificationType>;
  onChange: (next: Set<NotificationType>) => void;
}) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      {WEBHOOK_TYPES.map((type) => (
        <label key={type}>
          <input
            type="checkbox"
            checked={chosen.has(type)}
            onChange={(e) => {
              const next = new Set(chosen);
              if (e.target.checked) next.add(type);
              else next.delete(type);
              onChange(next);
            }}
          />{' '}
          {WEBHOOK_TYPE_LABELS[type]}
        </label>
      ))}
    </fieldset>
  );
}

/** What an endpoint receives, and a way to change it (`PATCH`; all ticked = every type again). */
function Subscription({ endpoint }: { endpoint: WebhookEndpoint }) {
  const { api, org } = useSignedIn();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Set<NotificationType> | null>(null);
  const save = useMutation({
    mutationFn: (chosen: Set<NotificationType>) =>
      api.patch<WebhookEndpoint>(`/orgs/${org.id}/webhooks/${endpoint.id}`, {
        types: subscriptionOf(chosen) ?? null,
      }),
    onSuccess: async () => {
      setEditing(null);
      await queryClient.invalidateQueries({ queryKey: keys.webhooks(org.id) });
    },
  });
  const label = endpoint.description || endpoint.url;
  if (!editing)
    return (
      <>
        <p>{describeSubscription(endpoint.types)}</p>
        <button
          type="button"
          aria-label={`Change the types ${label} receives`}
          onClick={() => setEditing(new Set(endpoint.types ?? WEBHOOK_TYPES) as Set<NotificationType>)}
        >
          Change
        </button>
      </>
    );
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(editing);
      }}
    >
      <TypeChoice legend={`Types ${label} receives`} chosen={editing} onChange={setEditing} />
      <button type="submit" className="primary" disabled={save.isPending || editing.size === 0}>
        Save types
      </button>{' '}
      <button type="button" onClick={() => setEditing(null)}>
        Cancel
      </button>
      {save.isError && <ErrorNote error={save.error} />}
    </form>
  );
}
