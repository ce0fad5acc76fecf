/**
 * How a delivery failed decides what happens next: a recoverable failure (the receiver is
 * down, busy or slow) is retried with backoff; a permanent one (the receiver refuses the message
 * itself) is not retried, because sending the same thing again cannot succeed.
 */
export class DeliveryFailure extends Error {
  override name = 'DeliveryFailure';
  constructor(
    message: string,
    readonly recoverable: boolean,
  ) {
    super(message);
  }
}

export const recoverableFailure = (message: string) => new DeliveryFailure(message, true);
export const permanentFailure = (message: string) => new DeliveryFailure(message, false);

/** Anything unexpected from a channel (a bug, a library error) counts as recoverable: retrying is safe. */
export function asDeliveryFailure(error: unknown): DeliveryFailure {
  if (error instanceof DeliveryFailure) return error;
  return recoverableFailure(error instanceof Error ? error.message : String(error));
}
