/**
 * Acks for one consumer channel, several messages to a frame, instead of one `basic.ack` each
 * (encoded, written and handled by the broker per message). Messages finish out of order (a
 * prefetch's worth in flight, recorded in group commits). An ack with `multiple` settles every
 * unacked delivery tag up to its own, so it may only cover a run of tags that are all settled: the
 * acks made in one turn of the event loop (a batch's messages finishing together) go out on the
 * next as one `multiple` ack for the settled run that starts at the lowest tag not yet acked, and
 * each ack beyond a message still in flight goes out singly then, so a slow message never holds
 * the others' prefetch slots. A nack goes out at once, singly; its tag then counts as settled.
 *
 * Delivery tags count 1, 2, 3, … per channel, so one coalescer serves one channel object (the
 * worker makes one in the consumer channel's setup, which runs again for each reconnect's new
 * channel). A tag it was never told about counts as in flight: it is never swept up by `multiple`.
 */
import type { Channel, Message } from 'amqplib';

/**
 * Tags settled out of order, remembered until the run reaches them. A message that never settles
 * (a bug; sends have timeouts) would make this grow without end: past this many the coalescer
 * acks each message singly and remembers nothing.
 */
const MAX_REMEMBERED = 100_000;

export class AckCoalescer {
  /** `basic.ack` frames sent. */
  acksSent = 0;
  /** Messages those frames acked. */
  messagesAcked = 0;
  /** `basic.nack` frames sent (one message each). */
  nacksSent = 0;
  /** Every tag below this one is settled and its frame sent. */
  private floor = 1;
  /** Acked by the caller, frame not sent yet. */
  private readonly pending = new Map<number, Message>();
  /** At or above the floor, settled and its frame sent (a nack, or an ack past an in-flight tag). */
  private readonly sent = new Set<number>();
  private flushScheduled = false;
  private remembering = true;

  constructor(
    private readonly channel: Pick<Channel, 'ack' | 'nack'>,
    /** A frame could not be sent (the channel closed); the broker redelivers the message. */
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Acks the message on the next turn of the event loop, with the others acked meanwhile. */
  ack(message: Message): void {
    if (!this.remembering) {
      this.send(message, false, 1);
      return;
    }
    const tag = message.fields.deliveryTag;
    // Settling a tag twice would close the channel (PRECONDITION_FAILED); the first one stands.
    if (this.isSettled(tag)) return;
    this.pending.set(tag, message);
    this.schedule();
  }

  /** Sends `basic.nack` for this message alone, now. */
  nack(message: Message, requeue: boolean): void {
    const tag = message.fields.deliveryTag;
    if (this.remembering && this.isSettled(tag)) return;
    try {
      this.channel.nack(message, false, requeue);
      this.nacksSent++;
    } catch (error) {
      this.onError(error);
    }
    if (!this.remembering) return;
    this.sent.add(tag);
    // The nack may close the gap that held the run back.
    if (this.pending.size > 0) this.schedule();
  }

  /** Sends every pending ack now: before the channel closes, or they would be redelivered. */
  flush(): void {
    let last: Message | undefined;
    let covered = 0;
    for (;;) {
      const message = this.pending.get(this.floor);
      if (message) {
        this.pending.delete(this.floor);
        last = message;
        covered++;
      } else if (!this.sent.delete(this.floor)) break;
      this.floor++;
    }
    // Every tag up to `last` is settled: the frame acks exactly this run's pending messages.
    if (last) this.send(last, covered > 1, covered);
    // Past a message still in flight: one at a time.
    for (const [tag, message] of this.pending) {
      this.send(message, false, 1);
      this.sent.add(tag);
    }
    this.pending.clear();
    if (this.sent.size > MAX_REMEMBERED) {
      this.remembering = false;
      this.sent.clear();
    }
  }

  private isSettled(tag: number): boolean {
    return tag < this.floor || this.pending.has(tag) || this.sent.has(tag);
  }

  private schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private send(message: Message, multiple: boolean, messages: number): void {
    try {
      this.channel.ack(message, multiple);
      this.acksSent++;
      this.messagesAcked += messages;
    } catch (error) {
      this.onError(error);
    }
  }
}
