/** Create or edit a draft event: details, seat map, then publish. */
import type { CreateEventBody } from '@happening/shared';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { type Event, keys, useEvent } from '../api/queries.js';
import { navigate } from '../app/routes.js';
import { useSignedIn } from '../app/session.js';
import { draftProblems, emptyDraft, fromSeatMap, type SeatMapDraft, toSeatMap } from '../editor/model.js';
import { SeatMapEditor } from '../editor/SeatMapEditor.js';
import { ConfirmButton, ErrorNote, Loading } from '../ui/common.js';

interface Details {
  name: string;
  venue: string;
  startsAt: string;
  holdTtlSeconds: number;
  maxSeatsPerBooking: number;
  waitlistEnabled: boolean;
  /** Empty: the server's default, 2 × seats per booking. */
  maxSeatsPerAddress: string;
  maxHoldsPerAddress: number;
  proofOfWork: boolean;
  /** Empty: on sale as soon as it is published. */
  onSaleAt: string;
  /** Empty: on sale until the event starts. */
  offSaleAt: string;
  waitingRoom: boolean;
  /** Empty: no limit of that kind. */
  admitPerMinute: string;
  maxActiveShoppers: string;
}

/** `datetime-local` wants local time without zone; the API wants ISO. */
const toLocalInput = (iso: string) => {
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

function defaults(): Details {
  const inAMonth = new Date(Date.now() + 30 * 86_400_000);
  inAMonth.setHours(20, 0, 0, 0);
  return {
    name: '',
    venue: '',
    startsAt: toLocalInput(inAMonth.toISOString()),
    holdTtlSeconds: 600,
    maxSeatsPerBooking: 10,
    waitlistEnabled: true,
    maxSeatsPerAddress: '',
    maxHoldsPerAddress: 4,
    proofOfWork: false,
    onSaleAt: '',
    offSaleAt: '',
    waitingRoom: false,
    admitPerMinute: '',
    maxActiveShoppers: '',
  };
}

const text = (value: number | null | undefined) =>
  value === null || value === undefined ? '' : String(value);
const numberOrNull = (value: string) => (value.trim() === '' ? null : Number(value));
const isoOrNull = (value: string) => (value ? new Date(value).toISOString() : null);

/** The sale window and waiting line of an event being edited (see docs/waiting-room.md). */
function saleDetails(event: Event) {
  return {
    onSaleAt: event.onSaleAt ? toLocalInput(event.onSaleAt) : '',
    offSaleAt: event.offSaleAt ? toLocalInput(event.offSaleAt) : '',
    waitingRoom: event.waitingRoom.enabled,
    admitPerMinute: text(event.waitingRoom.admitPerMinute),
    maxActiveShoppers: text(event.waitingRoom.maxActiveShoppers),
  };
}

export function EventEditorScreen({ eventId }: { eventId?: string }) {
  const existing = useEvent(eventId ?? '');
  if (!eventId) return <EventForm />;
  if (existing.isPending) return <Loading what="the event" />;
  if (existing.isError) return <ErrorNote error={existing.error} retry={() => void existing.refetch()} />;
  return <EventForm event={existing.data} />;
}

function EventForm({ event }: { event?: Event }) {
  const { api, org } = useSignedIn();
  const queryClient = useQueryClient();
  const id = useId();
  const [details, setDetails] = useState<Details>(() =>
    event
      ? {
          name: event.name,
          venue: event.venue,
          startsAt: toLocalInput(event.startsAt),
          holdTtlSeconds: event.holdTtlSeconds,
          maxSeatsPerBooking: event.maxSeatsPerBooking,
          waitlistEnabled: event.waitlistEnabled,
          maxSeatsPerAddress: event.maxSeatsPerAddress === null ? '' : String(event.maxSeatsPerAddress),
          maxHoldsPerAddress: event.maxHoldsPerAddress,
          proofOfWork: event.proofOfWork,
          ...saleDetails(event),
        }
      : defaults(),
  );
  const [draft, setDraft] = useState<SeatMapDraft>(() => (event ? fromSeatMap(event.seatMap) : emptyDraft()));
  const [saved, setSaved] = useState<Event | undefined>(event);
  const [dirty, setDirty] = useState(!event);
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    addEventListener('beforeunload', warn);
    return () => removeEventListener('beforeunload', warn);
  }, [dirty]);

  const readOnly = saved !== undefined && saved.status !== 'draft';
  const problems = draftProblems(draft);
  const body = (): CreateEventBody => ({
    name: details.name.trim(),
    venue: details.venue.trim(),
    startsAt: new Date(details.startsAt).toISOString(),
    seatMap: toSeatMap(draft),
    holdTtlSeconds: details.holdTtlSeconds,
    maxSeatsPerBooking: details.maxSeatsPerBooking,
    waitlistEnabled: details.waitlistEnabled,
    maxSeatsPerAddress: details.maxSeatsPerAddress.trim() === '' ? null : Number(details.maxSeatsPerAddress),
    maxHoldsPerAddress: details.maxHoldsPerAddress,
    proofOfWork: details.proofOfWork,
    onSaleAt: isoOrNull(details.onSaleAt),
    offSaleAt: isoOrNull(details.offSaleAt),
    waitingRoom: {
      enabled: details.waitingRoom,
      admitPerMinute: numberOrNull(details.admitPerMinute),
      maxActiveShoppers: numberOrNull(details.maxActiveShoppers),
    },
  });

  const save = useMutation({
    mutationFn: async () =>
      saved
        ? (await api.patch<{ event: Event }>(`/events/${saved.id}`, body())).event
        : (await api.post<{ event: Event }>(`/orgs/${org.id}/events`, body())).event,
    onSuccess: (next) => {
      setSaved(next);
      setDirty(false);
      queryClient.setQueryData(keys.event(next.id), next);
      void queryClient.invalidateQueries({ queryKey: keys.events(org.id) });
      if (!saved) history.replaceState(null, '', `#/events/${next.id}/edit`);
    },
  });

  const publish = async () => {
    if (!saved) return;
    await api.post(`/events/${saved.id}/publish`);
    await queryClient.invalidateQueries({ queryKey: keys.event(saved.id) });
    await queryClient.invalidateQueries({ queryKey: keys.events(org.id) });
    navigate({ screen: 'live', eventId: saved.id });
  };

  const change = <K extends keyof Details>(key: K, value: Details[K]) => {
    setDetails((previous) => ({ ...previous, [key]: value }));
    setDirty(true);
  };

  return (
    <section aria-labelledby={`${id}-title`}>
      <header className="screen-header">
        <h1 id={`${id}-title`}>{saved ? `Edit “${saved.name}”` : 'New event'}</h1>
        {saved?.status === 'draft' && (
          <ConfirmButton
            label="Publish"
            question={`Publish “${saved.name}” and open sales now?`}
            confirmLabel="Publish"
            disabled={dirty || save.isPending}
            onConfirm={publish}
          />
        )}
      </header>
      {readOnly && (
        <p className="note">
          This event is {saved?.status === 'on_sale' ? 'on sale' : 'cancelled'}; its seat map can no longer
          change.
        </p>
      )}
      {dirty && saved && <p className="note">Unsaved changes. Save before publishing.</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <fieldset disabled={readOnly}>
          <legend>Details</legend>
          <div className="row">
            <label htmlFor={`${id}-name`}>Name</label>
            <input
              id={`${id}-name`}
              required
              maxLength={200}
              value={details.name}
              onChange={(e) => change('name', e.target.value)}
            />
            <label htmlFor={`${id}-venue`}>Venue</label>
            <input
              id={`${id}-venue`}
              required
              maxLength={200}
              value={details.venue}
              onChange={(e) => change('venue', e.target.value)}
            />
            <label htmlFor={`${id}-starts`}>Starts</label>
            <input
              id={`${id}-starts`}
              type="datetime-local"
              required
              value={details.startsAt}
              onChange={(e) => change('startsAt', e.target.value)}
            />
          </div>
          <div className="row">
            <label htmlFor={`${id}-ttl`}>Hold time (seconds)</label>
            <input
              id={`${id}-ttl`}
              type="number"
              min={30}
              max={3600}
              value={details.holdTtlSeconds}
              onChange={(e) => change('holdTtlSeconds', Number(e.target.value))}
            />
            <label htmlFor={`${id}-max`}>Seats per booking</label>
            <input
              id={`${id}-max`}
              type="number"
              min={1}
              max={100}
              value={details.maxSeatsPerBooking}
              onChange={(e) => change('maxSeatsPerBooking', Number(e.target.value))}
            />
            <label>
              <input
                type="checkbox"
                checked={details.waitlistEnabled}
                onChange={(e) => change('waitlistEnabled', e.target.checked)}
              />{' '}
              Waitlist when sold out
            </label>
          </div>
        </fieldset>
        <fieldset disabled={readOnly}>
          <legend>Per visitor (publishable key)</legend>
          <p className="note">
            Caps for each client address, so one script cannot hold the venue. A school or office behind one
            address may need more; your box office (secret key) is never capped.
          </p>
          <div className="row">
            <label htmlFor={`${id}-address-seats`}>Seats one address may hold</label>
            <input
              id={`${id}-address-seats`}
              type="number"
              min={details.maxSeatsPerBooking}
              max={10000}
              placeholder={`${2 * details.maxSeatsPerBooking} (2 × seats per booking)`}
              value={details.maxSeatsPerAddress}
              onChange={(e) => change('maxSeatsPerAddress', e.target.value)}
            />
            <label htmlFor={`${id}-address-holds`}>Open holds per address</label>
            <input
              id={`${id}-address-holds`}
              type="number"
              min={1}
              max={1000}
              value={details.maxHoldsPerAddress}
              onChange={(e) => change('maxHoldsPerAddress', Number(e.target.value))}
            />
            <label>
              <input
                type="checkbox"
                checked={details.proofOfWork}
                onChange={(e) => change('proofOfWork', e.target.checked)}
              />{' '}
              Browser check (proof of work) on every hold
            </label>
          </div>
        </fieldset>
        <fieldset disabled={readOnly}>
          <legend>Sale</legend>
          <p className="note">
            Leave the opening empty to sell from publishing on. With a waiting line, everyone who arrives
            before the opening gets a place drawn at random when it opens, and later arrivals join the end;
            the meter lets in at most so many per minute and/or so many shoppers at once (empty: no limit).
            Both can be changed live from the event's live view.
          </p>
          <div className="row">
            <label htmlFor={`${id}-on-sale`}>Sale opens</label>
            <input
              id={`${id}-on-sale`}
              type="datetime-local"
              value={details.onSaleAt}
              onChange={(e) => change('onSaleAt', e.target.value)}
            />
            <label htmlFor={`${id}-off-sale`}>Sale closes</label>
            <input
              id={`${id}-off-sale`}
              type="datetime-local"
              value={details.offSaleAt}
              onChange={(e) => change('offSaleAt', e.target.value)}
            />
          </div>
          <div className="row">
            <label>
              <input
                type="checkbox"
                checked={details.waitingRoom}
                onChange={(e) => change('waitingRoom', e.target.checked)}
              />{' '}
              Waiting line
            </label>
            <label htmlFor={`${id}-admit-rate`}>Admit per minute</label>
            <input
              id={`${id}-admit-rate`}
              type="number"
              min={1}
              max={100000}
              placeholder="no limit"
              disabled={!details.waitingRoom}
              value={details.admitPerMinute}
              onChange={(e) => change('admitPerMinute', e.target.value)}
            />
            <label htmlFor={`${id}-active`}>Shoppers at once</label>
            <input
              id={`${id}-active`}
              type="number"
              min={1}
              max={100000}
              placeholder="no limit"
              disabled={!details.waitingRoom}
              value={details.maxActiveShoppers}
              onChange={(e) => change('maxActiveShoppers', e.target.value)}
            />
          </div>
        </fieldset>
        <SeatMapEditor
          value={draft}
          disabled={readOnly}
          onChange={(next) => {
            setDraft(next);
            setDirty(true);
          }}
        />
        {save.isError && <ErrorNote error={save.error} />}
        {save.isSuccess && !dirty && <p role="status">Saved.</p>}
        {!readOnly && (
          <div className="actions sticky">
            <button type="submit" className="primary" disabled={save.isPending || problems.length > 0}>
              {save.isPending ? 'Saving…' : saved ? 'Save changes' : 'Create draft'}
            </button>
          </div>
        )}
      </form>
    </section>
  );
}
