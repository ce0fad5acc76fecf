/** Members of the organization, their roles, and invitations. */
import type { Role } from '@happening/shared';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { type Invitation, keys, type MemberT } from '../api/queries.js';
import { useSignedIn } from '../app/session.js';
import { ConfirmButton, Empty, ErrorNote, formatDateTime, Loading } from '../ui/common.js';

const ROLES: Role[] = ['admin', 'organizer', 'viewer'];

export function MembersScreen() {
  const { api, org, session } = useSignedIn();
  const queryClient = useQueryClient();
  const id = useId();
  const isAdmin = org.role === 'admin';
  const members = useQuery({
    queryKey: keys.members(org.id),
    queryFn: () => api.get<{ members: MemberT[] }>(`/orgs/${org.id}/members`).then((r) => r.members),
  });
  const invitations = useQuery({
    queryKey: keys.invitations(org.id),
    queryFn: () =>
      api.get<{ invitations: Invitation[] }>(`/orgs/${org.id}/invitations`).then((r) => r.invitations),
    enabled: isAdmin,
  });
  const changeRole = useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) =>
      api.put(`/orgs/${org.id}/members/${userId}`, { role }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.members(org.id) }),
  });
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('organizer');
  const invite = useMutation({
    mutationFn: () =>
      api.post<{ invitation: Invitation }>(`/orgs/${org.id}/invitations`, { email: email.trim(), role }),
    onSuccess: () => {
      setEmail('');
      return queryClient.invalidateQueries({ queryKey: keys.invitations(org.id) });
    },
  });

  return (
    <section aria-labelledby={`${id}-title`}>
      <header className="screen-header">
        <h1 id={`${id}-title`}>Members</h1>
      </header>
      {members.isPending && <Loading what="members" />}
      {members.isError && <ErrorNote error={members.error} retry={() => void members.refetch()} />}
      {changeRole.isError && <ErrorNote error={changeRole.error} />}
      {members.data && (
        <table className="list" data-testid="members">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Joined</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.data.map((member) => (
              <tr key={member.userId}>
                <th scope="row">
                  {member.name} {member.userId === session.user.id && <span className="muted">(you)</span>}
                  <div className="muted">{member.email}</div>
                </th>
                <td>
                  {isAdmin ? (
                    <select
                      aria-label={`Role of ${member.name}`}
                      value={member.role}
                      onChange={(e) =>
                        changeRole.mutate({ userId: member.userId, role: e.target.value as Role })
                      }
                    >
                      {ROLES.map((r) => (
                        <option key={r}>{r}</option>
                      ))}
                    </select>
                  ) : (
                    member.role
                  )}
                </td>
                <td>{formatDateTime(member.joinedAt)}</td>
                <td>
                  {isAdmin && member.userId !== session.user.id && (
                    <ConfirmButton
                      label="Remove"
                      danger
                      question={`Remove ${member.name} from ${org.name}?`}
                      confirmLabel="Remove"
                      onConfirm={async () => {
                        await api.delete(`/orgs/${org.id}/members/${member.userId}`);
                        await queryClient.invalidateQueries({ queryKey: keys.members(org.id) });
                      }}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {isAdmin ? (
        <section aria-labelledby={`${id}-invite`}>
          <h2 id={`${id}-invite`}>Invite someone</h2>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              invite.mutate();
            }}
          >
            <label htmlFor={`${id}-email`}>Email</label>
            <input
              id={`${id}-email`}
              type="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
            <label htmlFor={`${id}-role`}>Role</label>
            <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
            <button type="submit" className="primary" disabled={invite.isPending}>
              Send invitation
            </button>
          </form>
          {invite.isError && <ErrorNote error={invite.error} />}
          {invite.isSuccess && <p role="status">Invitation sent.</p>}
          <h2>Invitations</h2>
          {invitations.isPending && <Loading what="invitations" />}
          {invitations.isError && (
            <ErrorNote error={invitations.error} retry={() => void invitations.refetch()} />
          )}
          {invitations.data?.length === 0 && <Empty title="No invitations sent yet." />}
          {invitations.data && invitations.data.length > 0 && (
            <table className="list" data-testid="invitations">
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                  <th scope="col">Expires</th>
                </tr>
              </thead>
              <tbody>
                {invitations.data.map((invitation) => (
                  <tr key={invitation.id}>
                    <th scope="row">{invitation.email}</th>
                    <td>{invitation.role}</td>
                    <td>{invitation.status}</td>
                    <td>{formatDateTime(invitation.expiresAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ) : (
        <p className="muted">Only admins can invite members or change roles.</p>
      )}
    </section>
  );
}
