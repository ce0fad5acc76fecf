/**
 * Keys and embedding: the publishable key and its rotation (the previous key works for a grace
 * period), secret-key rotation (shown once), allowed origins, the embed snippet and a live preview
 * of the widget.
 *
 * The preview loads script from the organization's server, so it never runs on the console's
 * origin: it is the server's own page `/widget/preview`, framed with `sandbox="allow-scripts"` only.
 * Without `allow-same-origin` its document has an opaque origin, so even a tampered widget bundle
 * cannot reach this page's DOM, the session token or the desktop bridge (and the main process
 * refuses IPC from any frame but the app's top frame). Its requests carry `Origin: null`, so it
 * uses a short-lived preview key instead of the publishable key (see preview-keys.ts on the server).
 */
import type { RotateKeysResponse, WidgetPreviewKeyResponse } from '@happening/shared';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import type { Static } from 'typebox';
import { type KeysT, keys, useEvents } from '../api/queries.js';
import { useSignedIn } from '../app/session.js';
import { ConfirmButton, CopyButton, ErrorNote, formatDateTime, Loading } from '../ui/common.js';

type Rotated = Static<typeof RotateKeysResponse>;
type PreviewKey = Static<typeof WidgetPreviewKeyResponse>;

/** Preview keys last 30 minutes; a fresh one (and a reloaded preview) well before that. */
const PREVIEW_KEY_REFRESH_MS = 20 * 60_000;

/** The preview page on the server, with the event and the preview key in the fragment (never sent). */
export function previewUrl(serverUrl: string, eventId: string, previewKey: string): string {
  return `${serverUrl}/widget/preview#${new URLSearchParams({ event: eventId, key: previewKey })}`;
}

export function embedSnippet(serverUrl: string, eventId: string, publishableKey: string): string {
  return [
    `<script type="module" src="${serverUrl}/widget/happening.js"></script>`,
    `<happening-seat-picker event-id="${eventId}" publishable-key="${publishableKey}" server="${serverUrl}"></happening-seat-picker>`,
  ].join('\n');
}

export function KeysScreen() {
  const { api, org, serverUrl } = useSignedIn();
  const queryClient = useQueryClient();
  const id = useId();
  const current = useQuery({
    queryKey: keys.keys(org.id),
    queryFn: () => api.get<KeysT>(`/orgs/${org.id}/keys`),
    enabled: org.role === 'admin',
  });
  const [rotated, setRotated] = useState<Rotated | null>(null);
  const [origins, setOrigins] = useState('');
  useEffect(() => {
    if (current.data) setOrigins(current.data.allowedOrigins.join('\n'));
  }, [current.data]);
  const saveOrigins = useMutation({
    mutationFn: () =>
      api.put<KeysT>(`/orgs/${org.id}/allowed-origins`, {
        allowedOrigins: origins
          .split(/\s+/)
          .map((o) => o.trim().replace(/\/+$/, ''))
          .filter(Boolean),
      }),
    onSuccess: (next) => queryClient.setQueryData(keys.keys(org.id), next),
  });
  const events = useEvents();
  const onSale = events.data?.filter((event) => event.status === 'on_sale') ?? [];
  const [eventId, setEventId] = useState('');
  const previewEvent = eventId || onSale[0]?.id || '';
  const previewKey = useQuery({
    queryKey: keys.previewKey(org.id),
    queryFn: () => api.post<PreviewKey>(`/orgs/${org.id}/widget-preview-key`),
    enabled: org.role === 'admin' && previewEvent !== '',
    refetchInterval: PREVIEW_KEY_REFRESH_MS,
    staleTime: PREVIEW_KEY_REFRESH_MS,
  });

  if (org.role !== 'admin') return <p className="note">Only admins of {org.name} can see and rotate keys.</p>;
  if (current.isPending) return <Loading what="keys" />;
  if (current.isError) return <ErrorNote error={current.error} retry={() => void current.refetch()} />;
  const data = current.data;
  const snippet = embedSnippet(serverUrl, previewEvent || 'EVENT_ID', data.publishableKey);

  return (
    <section aria-labelledby={`${id}-title`}>
      <header className="screen-header">
        <h1 id={`${id}-title`}>Keys and embedding</h1>
      </header>
      <dl className="keys">
        <dt>Publishable key (safe in web pages)</dt>
        <dd>
          <code data-testid="publishable-key">{data.publishableKey}</code>{' '}
          <CopyButton text={data.publishableKey} label="Copy" />{' '}
          <ConfirmButton
            label="Rotate publishable key"
            question="Rotate the publishable key? Pages that embed the current key keep working for a grace period; update them to the new key before it ends. Rotating again ends that grace at once."
            confirmLabel="Rotate"
            onConfirm={async () => {
              const next = await api.post<KeysT>(`/orgs/${org.id}/keys/rotate-publishable`);
              queryClient.setQueryData(keys.keys(org.id), next);
            }}
          />
          {data.previousPublishableKey && data.previousPublishableKeyExpiresAt && (
            <p className="note" role="status" data-testid="previous-publishable-key">
              The previous key <code>{data.previousPublishableKey}</code> keeps working until{' '}
              {formatDateTime(data.previousPublishableKeyExpiresAt)}. Put the new key in every page that
              embeds the widget before then (the embed snippet below has it).
            </p>
          )}
        </dd>
        <dt>Secret key (for your backend only)</dt>
        <dd>
          <code>{data.secretKeyHint}</code>{' '}
          <ConfirmButton
            label="Rotate secret key"
            danger
            question="Rotate the secret key? The current one stops working at once; your backend needs the new one."
            confirmLabel="Rotate"
            onConfirm={async () => {
              const next = await api.post<Rotated>(`/orgs/${org.id}/keys/rotate`);
              setRotated(next);
              queryClient.setQueryData(keys.keys(org.id), {
                publishableKey: next.publishableKey,
                previousPublishableKey: next.previousPublishableKey,
                previousPublishableKeyExpiresAt: next.previousPublishableKeyExpiresAt,
                secretKeyHint: next.secretKeyHint,
                allowedOrigins: next.allowedOrigins,
              });
            }}
          />
        </dd>
      </dl>
      {rotated && (
        <div className="note" role="status">
          <p>
            New secret key, shown <strong>only now</strong>: store it in your backend's secrets.
          </p>
          <code data-testid="secret-key">{rotated.secretKey}</code>{' '}
          <CopyButton text={rotated.secretKey} label="Copy secret key" />{' '}
          <button type="button" onClick={() => setRotated(null)}>
            I stored it, hide it
          </button>
        </div>
      )}

      <section aria-labelledby={`${id}-origins`}>
        <h2 id={`${id}-origins`}>Allowed origins</h2>
        <p className="muted">
          The widget works only on these sites (one per line, like https://tickets.example.com).
        </p>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            saveOrigins.mutate();
          }}
        >
          <label htmlFor={`${id}-origin-list`} className="visually-hidden">
            Allowed origins
          </label>
          <textarea
            id={`${id}-origin-list`}
            rows={4}
            value={origins}
            onChange={(e) => setOrigins(e.target.value)}
          />
          <button type="submit" disabled={saveOrigins.isPending}>
            Save origins
          </button>
          {saveOrigins.isSuccess && <span role="status"> Saved.</span>}
        </form>
        {saveOrigins.isError && <ErrorNote error={saveOrigins.error} />}
      </section>

      <section aria-labelledby={`${id}-embed`}>
        <h2 id={`${id}-embed`}>Embed</h2>
        <div className="row">
          <label htmlFor={`${id}-event`}>Event</label>
          <select id={`${id}-event`} value={previewEvent} onChange={(e) => setEventId(e.target.value)}>
            {onSale.length === 0 && <option value="">No event on sale</option>}
            {onSale.map((event) => (
              <option key={event.id} value={event.id}>
                {event.name}
              </option>
            ))}
          </select>
        </div>
        <pre className="snippet" data-testid="embed-snippet">
          {snippet}
        </pre>
        <CopyButton text={snippet} label="Copy snippet" />
        {previewEvent ? (
          <>
            <p className="muted">
              Live preview, served by {serverUrl} in a sandbox apart from this console, with a key that lasts
              30 minutes: it needs no allowed origin. Seats picked here are really held.
            </p>
            {previewKey.isError && (
              <ErrorNote error={previewKey.error} retry={() => void previewKey.refetch()} />
            )}
            {previewKey.data && (
              <iframe
                key={`${previewEvent} ${previewKey.data.previewKey}`}
                title="Widget preview"
                className="widget-preview"
                src={previewUrl(serverUrl, previewEvent, previewKey.data.previewKey)}
                // Scripts only: no allow-same-origin, so the frame's origin is opaque (see above).
                sandbox="allow-scripts"
                referrerPolicy="no-referrer"
              />
            )}
          </>
        ) : (
          <p className="muted">Publish an event to preview the widget.</p>
        )}
      </section>
    </section>
  );
}
