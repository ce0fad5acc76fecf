/**
 * Who is signed in, to which server, acting for which organization. Holds the REST client; every
 * screen reads it through `useSession()`.
 */
import type { Organization, User } from '@happening/shared';
import { useQueryClient } from '@tanstack/react-query';
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { ApiClient, ApiError } from '../api/client.js';
import { platform } from './platform.js';

export interface SignedIn {
  token: string;
  user: User;
  organizations: Organization[];
  /** One of the deployment's operators: sees the shared queues (the server decides, this only shows). */
  operator: boolean;
}

interface SessionValue {
  status: 'loading' | 'signed-out' | 'signed-in';
  serverUrl: string;
  api: ApiClient;
  session: SignedIn | null;
  org: Organization | null;
  signIn(serverUrl: string, email: string, password: string): Promise<void>;
  signUp(
    serverUrl: string,
    body: { email: string; password: string; name: string; organization: string },
  ): Promise<void>;
  /** Ends the session on the server (the token stops working everywhere at once), then here. */
  signOut(): Promise<void>;
  /**
   * Changes the password; the server ends every session, this one included, and hands back a
   * fresh token that this console switches to. Throws the server's refusal (e.g. a wrong current password).
   */
  changePassword(currentPassword: string, newPassword: string): Promise<void>;
  /**
   * The server closed a live connection made with `token`: a sign-out elsewhere, the token's
   * expiry, a password change, or a server going away. Answers whether that token still stands
   * (reconnect then), and signs out here when it does not. A token replaced meanwhile (a
   * password change from this console) answers false: the new token connects on its own.
   */
  confirmSession(token: string): Promise<boolean>;
  /** Acts for another of the user's organizations; nothing cached for the previous one is kept. */
  switchOrg(orgId: string): void;
  refreshMe(): Promise<void>;
  /** Creates an organization with the user as admin and refreshes the list; the caller switches to it. */
  createOrganization(name: string): Promise<Organization>;
}

const SessionContext = createContext<SessionValue | null>(null);
const ORG_KEY = 'happening.console.org';

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<SessionValue['status']>('loading');
  const [serverUrl, setServerUrl] = useState('');
  const [session, setSession] = useState<SignedIn | null>(null);
  const [orgId, setOrgId] = useState<string | null>(() => globalThis.localStorage?.getItem(ORG_KEY) ?? null);
  // Read by checks that finish after a render: the token now, and a token change under way.
  const tokenNow = useRef<string | null>(null);
  tokenNow.current = session?.token ?? null;
  const tokenChange = useRef<Promise<unknown> | null>(null);

  const signOutLocally = useCallback(async () => {
    await platform.clearToken();
    setSession(null);
    setStatus('signed-out');
    queryClient.clear();
  }, [queryClient]);

  const api = useMemo(
    () =>
      new ApiClient({
        serverUrl,
        token: () => session?.token ?? null,
        onUnauthenticated: () => void signOutLocally(),
      }),
    [serverUrl, session?.token, signOutLocally],
  );

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const url = await platform.getServerUrl();
      const token = await platform.getToken();
      if (cancelled) return;
      setServerUrl(url);
      if (!token) return setStatus('signed-out');
      try {
        const me = await new ApiClient({ serverUrl: url, token: () => token }).get<Omit<SignedIn, 'token'>>(
          '/auth/me',
        );
        if (!cancelled) {
          setSession({ token, ...me, operator: me.operator === true });
          setStatus('signed-in');
        }
      } catch {
        if (!cancelled) await signOutLocally();
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [signOutLocally]);

  const start = useCallback(
    async (url: string, token: string, user: User, organizations: Organization[], operator: boolean) => {
      await platform.setServerUrl(url);
      await platform.setToken(token);
      setServerUrl(url);
      setSession({ token, user, organizations, operator });
      setStatus('signed-in');
    },
    [],
  );

  const value: SessionValue = {
    status,
    serverUrl,
    api,
    session,
    org: session?.organizations.find((org) => org.id === orgId) ?? session?.organizations[0] ?? null,
    async signIn(url, email, password) {
      const answer = await new ApiClient({ serverUrl: url, token: () => null }).post<{
        token: string;
        user: User;
        organizations: Organization[];
        operator?: boolean;
      }>('/auth/login', { email, password });
      await start(url, answer.token, answer.user, answer.organizations, answer.operator === true);
    },
    async signUp(url, body) {
      const answer = await new ApiClient({ serverUrl: url, token: () => null }).post<{
        token: string;
        user: User;
        organization: Organization;
      }>('/auth/signup', { ...body, organization: { name: body.organization } });
      setOrgId(answer.organization.id);
      localStorage.setItem(ORG_KEY, answer.organization.id);
      // Signup never makes an operator (the server refuses operator addresses there).
      await start(url, answer.token, answer.user, [answer.organization], false);
    },
    async signOut() {
      // Signed out here whatever the server answers: unreachable, it will refuse the token once it
      // expires; and a 401 means it already ended.
      await api.post('/auth/logout').catch(() => {});
      await signOutLocally();
    },
    async changePassword(currentPassword, newPassword) {
      if (!session) return;
      const change = api.post<{ token: string }>('/auth/password', { currentPassword, newPassword });
      tokenChange.current = change;
      try {
        const { token } = await change;
        await platform.setToken(token);
        tokenNow.current = token;
        setSession((current) => (current ? { ...current, token } : current));
      } finally {
        if (tokenChange.current === change) tokenChange.current = null;
      }
    },
    async confirmSession(token) {
      await tokenChange.current?.catch(() => {});
      if (tokenNow.current !== token) return false;
      try {
        await new ApiClient({ serverUrl, token: () => token }).get('/auth/me');
        return true;
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 401)) return true;
        if (tokenNow.current === token) await signOutLocally();
        return false;
      }
    },
    switchOrg(id) {
      setOrgId(id);
      localStorage.setItem(ORG_KEY, id);
      queryClient.removeQueries();
    },
    async refreshMe() {
      if (!session) return;
      const me = await api.get<Omit<SignedIn, 'token'>>('/auth/me');
      setSession({ token: session.token, ...me, operator: me.operator === true });
    },
    async createOrganization(name) {
      const { organization } = await api.post<{ organization: Organization }>('/orgs', { name: name.trim() });
      setSession((current) =>
        current ? { ...current, organizations: [...current.organizations, organization] } : current,
      );
      // The server's list also brings organizations joined meanwhile (an accepted invitation). It
      // is a refinement: the organization exists and is listed even if this read fails.
      await value.refreshMe().catch(() => {});
      return organization;
    },
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** For screens behind sign-in: the session and organization are there. */
export function useSignedIn() {
  const value = useSession();
  if (!value.session || !value.org) throw new Error('useSignedIn while signed out');
  return { ...value, session: value.session, org: value.org };
}
