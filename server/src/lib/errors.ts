import type { ErrorCode } from '@happening/shared';

/** A client-facing failure: becomes `{ error: { code, message, ...details } }` with `statusCode`. */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new AppError(404, 'NOT_FOUND', `${what} not found`);
export const forbidden = (message = 'Your role does not allow this') =>
  new AppError(403, 'FORBIDDEN', message);
export const unauthenticated = (message = 'Sign in or send a valid credential') =>
  new AppError(401, 'UNAUTHENTICATED', message);
