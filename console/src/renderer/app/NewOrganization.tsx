/** “New organization” next to the switcher: asks for a name, creates it, then hands it over to switch to. */
import type { Organization } from '@happening/shared';
import { useId, useState } from 'react';
import { DialogButton } from '../ui/common.js';

export function NewOrganizationButton({
  create,
  onCreated,
}: {
  create: (name: string) => Promise<Organization>;
  onCreated: (organization: Organization) => void;
}) {
  const [name, setName] = useState('');
  const nameId = useId();
  return (
    <DialogButton
      label="New organization"
      title="New organization"
      submitLabel="Create organization"
      busyLabel="Creating…"
      onSubmit={async () => onCreated(await create(name))}
      onReset={() => setName('')}
    >
      {/* No "muted" here: inside the top bar that class is styled for a dark background. */}
      <p>
        You become its admin. It starts with its own keys, members and events; switch between organizations
        with the menu at the top.
      </p>
      <p>
        <label htmlFor={nameId}>Organization name</label>{' '}
        <input
          id={nameId}
          value={name}
          required
          maxLength={120}
          // Not only spaces: the server refuses those too, this says so before sending.
          pattern=".*\S.*"
          title="Use at least one character that is not a space"
          onChange={(e) => setName(e.target.value)}
        />
      </p>
    </DialogButton>
  );
}
