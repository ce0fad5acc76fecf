/**
 * Which channels a message takes. Messages about people (bookings, invitations) go to their email,
 * the console's inbox and the organization's webhooks; hold events are for the organization's
 * systems only, so they are webhooks and nothing else. Each endpoint receives only the types it is
 * subscribed to (its `types`, chosen in the webhooks module; the plan's SQL filters on it).
 */
import {
  isHoldNotificationType,
  type NotificationMessage,
  type PersonalNotificationMessage,
} from '@happening/shared';

export const isPersonal = (message: NotificationMessage): message is PersonalNotificationMessage =>
  !isHoldNotificationType(message.type);

/** For the email and in-app channels, which no webhook-only message is ever planned for. */
export function personal(message: NotificationMessage): PersonalNotificationMessage {
  if (!isPersonal(message)) throw new Error(`${message.type} is delivered by webhook only`);
  return message;
}

/**
 * The condition on `webhook_endpoints` (as `endpoint`) for an endpoint to receive a message of the
 * type in parameter `typeParam`: no subscription list (every type), or one that names it.
 */
export const subscribedTo = (typeParam: string) => `(types IS NULL OR ${typeParam} = ANY (types))`;
