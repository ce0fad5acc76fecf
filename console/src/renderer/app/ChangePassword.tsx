/** “Change password” in the top bar: the current password, the new one twice. */
import { useId, useState } from 'react';
import { DialogButton } from '../ui/common.js';

export function ChangePasswordButton({
  change,
}: {
  change: (currentPassword: string, newPassword: string) => Promise<void>;
}) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeated, setRepeated] = useState('');
  const [done, setDone] = useState(false);
  const ids = { current: useId(), next: useId(), repeated: useId() };
  return (
    <>
      <DialogButton
        label="Change password"
        title="Change password"
        submitLabel="Change password"
        busyLabel="Changing…"
        onSubmit={async () => {
          if (next !== repeated) throw new Error('The two new passwords differ; type the same one twice.');
          await change(current, next);
          setDone(true);
        }}
        onReset={() => {
          setCurrent('');
          setNext('');
          setRepeated('');
        }}
      >
        <p>Every other place you are signed in with this account is signed out; this one stays.</p>
        <p>
          <label htmlFor={ids.current}>Current password</label>{' '}
          <input
            id={ids.current}
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
        </p>
        <p>
          <label htmlFor={ids.next}>New password</label>{' '}
          <input
            id={ids.next}
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            maxLength={200}
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
        </p>
        <p>
          <label htmlFor={ids.repeated}>Repeat the new password</label>{' '}
          <input
            id={ids.repeated}
            type="password"
            autoComplete="new-password"
            required
            value={repeated}
            onChange={(e) => setRepeated(e.target.value)}
          />
        </p>
      </DialogButton>
      {done && (
        <span role="status" className="muted">
          Password changed; your other sessions were signed out.
        </span>
      )}
    </>
  );
}
