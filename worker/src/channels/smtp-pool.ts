/**
 * The worker's SMTP connections: up to `connections` open at once, each carrying one prepared mail
 * at a time, closed and replaced after `maxMessages` mails, opened only when mail waits for one.
 *
 * Built on nodemailer's documented low-level client (`nodemailer/lib/smtp-connection`: greeting,
 * EHLO, STARTTLS when offered, AUTH, pipelined MAIL/RCPT/DATA, dot-stuffing, SMTPUTF8, timeouts),
 * not on its pooled transport: for a message that is already raw MIME with its envelope, that
 * transport still builds a MIME tree per mail, draws message ids and streams the bytes through a
 * `stream.pipeline`, and measured here (`npm run bench`'s SMTP sink, 6,000 mails) it cost 0.17 ms
 * of CPU per mail against 0.035 ms for the same mails through `SMTPConnection` directly: most of
 * the worker's budget for a whole notification.
 *
 * What the pooled transport did that matters is kept: a refused recipient or message (a reply
 * with a code) resets the session and keeps the connection; any other failure closes it; a mail
 * whose reused connection broke under it without a reply (most often a server that closed the
 * session while idle, noticed only when the mail was written) goes out once more, at once, on a
 * fresh connection. If the break came after the server had taken the whole mail but before its
 * reply, that repeats the mail, as the worker's own retry of a failed send would: the stable
 * Message-ID lets mail clients show it once.
 */
import { domainToASCII } from 'node:url';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import SMTPConnection from 'nodemailer/lib/smtp-connection';

export interface SmtpPoolOptions {
  /** `smtp://[user:pass@]host[:port]` or `smtps://…` (TLS from the first byte). */
  url: string;
  connections: number;
  maxMessages: number;
  /** Connection, greeting and socket (inactivity) timeout. */
  timeoutMs: number;
  /**
   * The most one mail may take on its connection, to the final reply. Past it the mail fails
   * (`ETIMEDOUT`, a temporary failure) and its connection is dropped, so a relay that stalls or
   * answers a byte at a time holds a connection for this long at most.
   */
  deadlineMs: number;
}

export interface Envelope {
  from: string;
  to: string[];
}

/** What the server said about an accepted mail. */
export interface SentMail {
  accepted: string[];
  rejected: string[];
  response: string;
}

interface Job {
  envelope: Envelope;
  raw: Buffer;
  /** Already failed once on a connection the server had dropped: no further replay. */
  replayed: boolean;
  resolve: (sent: SentMail) => void;
  reject: (error: Error) => void;
}

interface Connection {
  smtp: SMTPConnection;
  sent: number;
  busy: boolean;
  closed: boolean;
}

/** The error nodemailer's client reports when a reply carried a status code (4xx, 5xx). */
type SmtpError = Error & { code?: string; responseCode?: number; command?: string };

/**
 * An envelope address as SMTP wants it: an internationalised domain in its ASCII (punycode) form,
 * as nodemailer's transport did; a non-ASCII local part is left to SMTPUTF8, which the client
 * negotiates itself.
 */
export function envelopeAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0 || /^[\x20-\x7e]*$/.test(address.slice(at + 1))) return address;
  return `${address.slice(0, at + 1)}${domainToASCII(address.slice(at + 1)) || address.slice(at + 1)}`;
}

export class SmtpPool {
  private readonly settings: SMTPConnection.Options;
  private readonly auth?: SMTPConnection.Credentials;
  private readonly open = new Set<Connection>();
  private readonly idle: Connection[] = [];
  private readonly waiting: Job[] = [];
  private opening = 0;
  private closed = false;

  constructor(private readonly options: SmtpPoolOptions) {
    const { auth, ...settings } = parseConnectionUrl(options.url);
    this.settings = {
      ...settings,
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
    };
    if (auth?.user) this.auth = { user: auth.user, pass: auth.pass ?? '' };
  }

  /** Connections open or being opened now. */
  get size(): number {
    return this.open.size + this.opening;
  }

  /** Sends one mail; rejects with nodemailer's error (its `responseCode` when the server refused it). */
  send(envelope: Envelope, raw: Buffer): Promise<SentMail> {
    if (this.closed) return Promise.reject(new Error('the SMTP pool is closed'));
    return new Promise<SentMail>((resolve, reject) => {
      this.waiting.push({ envelope, raw, replayed: false, resolve, reject });
      this.dispatch();
    });
  }

  /** Says QUIT on every connection; mail still waiting for one fails. */
  close(): void {
    this.closed = true;
    for (const job of this.waiting.splice(0)) job.reject(new Error('the SMTP pool is closed'));
    for (const connection of [...this.open]) this.retire(connection, 'quit');
  }

  /** Hands waiting mail to idle connections, opening new ones while under the limit. */
  private dispatch(): void {
    while (this.waiting.length > 0) {
      const connection = this.idle.pop();
      if (connection) {
        this.transmit(connection, this.waiting.shift()!);
        continue;
      }
      // One connection on its way per waiting mail at most: it serves the first in line.
      if (this.size >= this.options.connections || this.opening >= this.waiting.length) return;
      this.connect();
    }
  }

  private connect(): void {
    this.opening++;
    const smtp = new SMTPConnection(this.settings);
    const connection: Connection = { smtp, sent: 0, busy: false, closed: false };
    let settled = false;
    const opened = (error?: Error) => {
      if (settled) return;
      settled = true;
      this.opening--;
      if (error || this.closed) {
        this.retire(connection, 'close');
        // The mail that this connection was opened for fails with its reason (an unreachable or
        // refusing server): it is retried later, instead of waiting here without end.
        if (error) this.waiting.shift()?.reject(error);
      } else {
        this.open.add(connection);
        this.idle.push(connection);
      }
      this.dispatch();
    };
    // A failure while a mail is in flight also reaches that mail's callback, which decides.
    smtp.on('error', (error) => {
      if (!connection.busy) opened(error);
    });
    smtp.once('end', () => {
      opened(new Error('SMTP connection closed before it was ready'));
      this.retire(connection, 'gone');
      this.dispatch();
    });
    smtp.connect((error) => {
      if (error) return opened(error);
      if (!this.auth) return opened();
      smtp.login(this.auth, (loginError) => opened(loginError ?? undefined));
    });
  }

  private transmit(connection: Connection, job: Job): void {
    connection.busy = true;
    const reused = connection.sent > 0;
    let answered = false;
    const deadline = setTimeout(() => {
      answered = true;
      this.retire(connection, 'close');
      job.reject(
        Object.assign(new Error(`SMTP send took longer than ${this.options.deadlineMs} ms`), {
          code: 'ETIMEDOUT',
        }),
      );
      this.dispatch();
    }, this.options.deadlineMs);
    connection.smtp.send(
      { from: envelopeAddress(job.envelope.from), to: job.envelope.to.map(envelopeAddress) },
      job.raw,
      (error, info) => {
        // Past the deadline the mail has failed already and its connection is gone.
        if (answered) return;
        answered = true;
        clearTimeout(deadline);
        connection.busy = false;
        connection.sent++;
        if (!error) {
          job.resolve({
            accepted: info.accepted.map(String),
            rejected: info.rejected.map(String),
            response: info.response,
          });
          this.release(connection);
          return;
        }
        this.failed(connection, job, error as SmtpError, reused);
      },
    );
  }

  private failed(connection: Connection, job: Job, error: SmtpError, reused: boolean): void {
    const refused = typeof error.responseCode === 'number' && error.responseCode !== 421;
    if (refused && (error.code === 'EENVELOPE' || error.code === 'EMESSAGE') && !connection.closed) {
      // The server refused this mail; the session is fine once reset.
      job.reject(error);
      connection.busy = true;
      connection.smtp.reset((resetError) => {
        connection.busy = false;
        if (resetError) this.retire(connection, 'close');
        else this.release(connection);
        this.dispatch();
      });
      return;
    }
    this.retire(connection, 'close');
    const broken =
      error.responseCode === undefined && (error.code === 'ECONNECTION' || error.code === 'ESOCKET');
    if (reused && broken && !job.replayed && !this.closed) {
      job.replayed = true;
      this.waiting.unshift(job);
    } else {
      job.reject(error);
    }
    this.dispatch();
  }

  private release(connection: Connection): void {
    if (connection.closed) return;
    if (this.closed || connection.sent >= this.options.maxMessages) this.retire(connection, 'quit');
    else this.idle.push(connection);
    this.dispatch();
  }

  /** Out of the pool: `quit` ends the session politely, `close` drops it, `gone` it already ended. */
  private retire(connection: Connection, how: 'quit' | 'close' | 'gone'): void {
    const wasClosed = connection.closed;
    connection.closed = true;
    this.open.delete(connection);
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    if (wasClosed || how === 'gone') return;
    if (how === 'quit') connection.smtp.quit();
    else connection.smtp.close();
  }
}
