/**
 * REST client for /api/v1. Every failure becomes an `ApiError` carrying the server's stable code,
 * so screens can say what to do instead of showing a status number.
 */
import { ApiError, type ClientErrorCode, NETWORK_ERROR } from '@happening/shared/client-error';

export { ApiError };

export interface ApiClientOptions {
  serverUrl: string;
  token: () => string | null;
  /** Called when the server says the session is no longer valid. */
  onUnauthenticated?: () => void;
  fetch?: typeof fetch;
}

export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  get serverUrl(): string {
    return this.options.serverUrl;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    const token = this.options.token();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(`${this.options.serverUrl}/api/v1${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new ApiError(
        0,
        NETWORK_ERROR,
        `Cannot reach the server at ${this.options.serverUrl}. Check the address and that the server is running.`,
      );
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const parsed = text ? safeJson(text) : undefined;
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      if (response.status === 401) this.options.onUnauthenticated?.();
      const { code, message, ...details } = (error ?? {}) as Record<string, unknown>;
      throw new ApiError(
        response.status,
        (typeof code === 'string' ? code : 'INTERNAL_ERROR') as ClientErrorCode,
        typeof message === 'string' ? message : `The server answered ${response.status}.`,
        details,
      );
    }
    return parsed as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }
  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What to tell the organizer, by code: the message says what happened, this what to do. */
export function errorAdvice(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  const advice: Partial<Record<ApiError['code'], string>> = {
    NETWORK_ERROR: '',
    UNAUTHENTICATED: 'Your session has ended. Sign in again.',
    FORBIDDEN: 'Your role in this organization does not allow this. Ask an admin.',
    NOT_FOUND: 'It may have been deleted, or belongs to another organization.',
    RATE_LIMITED: 'Too many requests. Wait a moment and try again.',
    INVALID_CREDENTIALS: 'Check the email and password.',
    EMAIL_TAKEN: 'Sign in instead, or use another email.',
    LAST_ADMIN: 'Make another member admin first.',
    INVALID_SEAT_MAP: 'Fix the seat map problems listed in the editor.',
    EVENT_NOT_EDITABLE: 'Only draft events can be edited.',
    SERVICE_UNAVAILABLE: 'A service the server needs is down. Try again shortly.',
    WEBHOOK_URL_NOT_ALLOWED: 'Use a public https address where your own systems receive webhooks.',
    WEBHOOK_ENDPOINT_LIMIT_REACHED:
      'Remove an endpoint you no longer use, or ask the operator to raise the limit.',
    CURRENT_PASSWORD_WRONG: 'Type the password you signed in with.',
    EVENT_LIMIT_REACHED: 'Cancel a draft you no longer need, or ask the operator to raise the limit.',
    SEAT_LIMIT_REACHED: 'Use a smaller seat map, cancel a draft, or ask the operator to raise the limit.',
  };
  const extra = advice[error.code];
  return extra ? `${error.message} ${extra}` : error.message;
}
