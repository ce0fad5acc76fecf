import type { FastifyRequest } from 'fastify';
import { AppError } from '../../lib/errors.js';

/** The room of every operator's console socket: deployment-wide queue stats go only there. */
export const OPERATORS_ROOM = 'operators';

/** `OPERATOR_EMAILS` as a set of lower-cased addresses (commas, spaces and empty entries ignored). */
export function operatorEmails(setting: string): Set<string> {
  return new Set(
    setting
      .split(',')
      .map((email) => email.trim().toLowerCase())
      .filter(Boolean),
  );
}

/**
 * The deployment's operators: the people who run the servers, the broker and the worker, as
 * opposed to an organization's admins. They alone see the shared queues and replay every dead
 * letter; organizations see and replay only their own (see org-dead-letters.ts).
 */
export class Operators {
  private readonly emails: Set<string>;

  constructor(
    setting: string,
    private readonly emailOf: (userId: string) => Promise<string | null>,
  ) {
    this.emails = operatorEmails(setting);
  }

  /**
   * Signup does not prove a mailbox, so an operator address without an account yet could be
   * claimed by whoever signs up with it first: signup refuses these addresses (an invitation link,
   * which does prove the mailbox, or an existing account is the way in).
   */
  isOperatorEmail(email: string): boolean {
    return this.emails.has(email.trim().toLowerCase());
  }

  async isOperator(userId: string): Promise<boolean> {
    if (this.emails.size === 0) return false;
    const email = await this.emailOf(userId);
    return email !== null && this.isOperatorEmail(email);
  }
}

/**
 * What a caller who is not an operator gets from an operations route: exactly what an unknown
 * route answers, so the route's power is not advertised to organizations or strangers.
 */
export function noSuchRoute(request: FastifyRequest): AppError {
  return new AppError(404, 'NOT_FOUND', `No route ${request.method} ${request.url}`);
}
