/** Small building blocks every screen uses: loading, errors that say what to do, empty states. */
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { errorAdvice } from '../api/client.js';

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function ErrorNote({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div className="error" role="alert">
      <p>{errorAdvice(error)}</p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

/** Copies `text` to the clipboard and says whether it worked (the desktop app allows only this permission). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <button
      type="button"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setState('copied');
        } catch {
          setState('failed');
        }
      }}
    >
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed: select and copy by hand' : label}
    </button>
  );
}

/**
 * A link out of the console. In the desktop app a new-window request is denied and handed to the
 * main process's window-open handler, which opens http(s) URLs only, in the system browser; a
 * browser opens a new tab. Either way the console's own page stays where it is.
 */
export function ExternalLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
      <span className="visually-hidden"> (opens in your browser)</span>
    </a>
  );
}

/**
 * A button that opens a modal form. `onSubmit` runs with the submit button busy; if it throws,
 * the error shows inside the dialog and the dialog stays open; otherwise the dialog closes.
 * `onReset` clears the caller's fields whenever the dialog is dismissed or done.
 */
export function DialogButton({
  label,
  title,
  submitLabel,
  busyLabel = 'Working…',
  cancelLabel = 'Cancel',
  buttonClassName,
  submitClassName = 'primary',
  disabled,
  onSubmit,
  onReset,
  children,
}: {
  label: string;
  title: string;
  submitLabel: string;
  busyLabel?: string;
  cancelLabel?: string;
  buttonClassName?: string;
  submitClassName?: string;
  disabled?: boolean;
  onSubmit: () => Promise<unknown> | unknown;
  onReset?: () => void;
  children?: ReactNode;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const titleId = useId();
  const close = () => {
    dialog.current?.close();
    onReset?.();
    setError(null);
  };
  return (
    <>
      <button
        type="button"
        className={buttonClassName}
        disabled={disabled}
        onClick={() => dialog.current?.showModal()}
      >
        {label}
      </button>
      <dialog ref={dialog} aria-labelledby={titleId} onClose={() => setError(null)}>
        <form
          method="dialog"
          onSubmit={async (event) => {
            event.preventDefault();
            setBusy(true);
            try {
              await onSubmit();
              close();
            } catch (caught) {
              setError(caught);
            } finally {
              setBusy(false);
            }
          }}
        >
          <h2 id={titleId}>{title}</h2>
          {children}
          {error !== null && <ErrorNote error={error} />}
          <div className="actions">
            <button type="button" onClick={close}>
              {cancelLabel}
            </button>
            <button type="submit" className={submitClassName} disabled={busy}>
              {busy ? busyLabel : submitLabel}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

/** A button that asks before acting; with `reasonLabel` it also asks for a reason. */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  reasonLabel,
  danger,
  disabled,
  onConfirm,
}: {
  label: string;
  question: string;
  confirmLabel: string;
  reasonLabel?: string;
  danger?: boolean;
  disabled?: boolean;
  onConfirm: (reason: string) => Promise<unknown> | unknown;
}) {
  const [reason, setReason] = useState('');
  const reasonId = useId();
  return (
    <DialogButton
      label={label}
      title={question}
      submitLabel={confirmLabel}
      cancelLabel="Keep it"
      {...(danger ? { buttonClassName: 'danger' } : {})}
      submitClassName={danger ? 'danger' : 'primary'}
      {...(disabled !== undefined ? { disabled } : {})}
      onSubmit={() => onConfirm(reason.trim())}
      onReset={() => setReason('')}
    >
      {reasonLabel && (
        <p>
          <label htmlFor={reasonId}>{reasonLabel}</label>
          <input id={reasonId} value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
        </p>
      )}
    </DialogButton>
  );
}

export interface SeriesPoint {
  t: number;
  value: number;
}

/** A dependency-free SVG line chart: a few series over time, with an accessible summary. */
export function LineChart({
  title,
  series,
  height = 120,
}: {
  title: string;
  series: { name: string; colour: string; points: SeriesPoint[] }[];
  height?: number;
}) {
  const width = 480;
  const all = series.flatMap((s) => s.points);
  const t0 = Math.min(...all.map((p) => p.t));
  const t1 = Math.max(...all.map((p) => p.t));
  const max = Math.max(1, ...all.map((p) => p.value));
  const x = (t: number) => (t1 === t0 ? width : ((t - t0) / (t1 - t0)) * width);
  const y = (v: number) => height - 4 - (v / max) * (height - 8);
  const summary = series.map((s) => `${s.name}: ${s.points.at(-1)?.value ?? 0}`).join(', ');
  return (
    <figure className="chart">
      <figcaption>
        {title} <span className="muted">(max {max})</span>
      </figcaption>
      {all.length === 0 ? (
        <p className="muted">No data yet.</p>
      ) : (
        <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}. Latest ${summary}`}>
          {series.map((s) => (
            <polyline
              key={s.name}
              fill="none"
              stroke={s.colour}
              strokeWidth="2"
              points={s.points.map((p) => `${x(p.t).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')}
            />
          ))}
        </svg>
      )}
      <ul className="legend">
        {series.map((s) => (
          <li key={s.name}>
            <span className="swatch" style={{ background: s.colour }} />
            {s.name}: {s.points.at(-1)?.value ?? 0}
          </li>
        ))}
      </ul>
    </figure>
  );
}

/** Re-renders every `ms` milliseconds, for countdowns ("expires in 42 s"). */
export function useNow(ms = 1_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "1 seat", "2 seats", "1,200 places": counts the organizer reads, in the right number. */
export function countOf(count: number, singular: string, plural = `${singular}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? singular : plural}`;
}
