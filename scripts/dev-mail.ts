import { SMTPServer } from 'smtp-server';

/**
 * A local mail catcher for `npm start` when nothing listens on SMTP_URL: it accepts every email
 * the worker sends and prints who it is for and its subject, so the demo's notifications are
 * visible without a mail server. Never used when SMTP_URL points at a real one.
 */
export async function startDevMailCatcher(
  host: string,
  port: number,
  print: (line: string) => void,
): Promise<() => Promise<void>> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 8_192) head += chunk.toString('utf8');
      });
      stream.on('error', callback);
      stream.on('end', () => {
        const subject = decodeHeader(/^Subject: (.*)$/im.exec(head)?.[1] ?? '(no subject)');
        print(`to ${session.envelope.rcptTo.map((rcpt) => rcpt.address).join(', ')}: ${subject}`);
        callback();
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Decodes RFC 2047 `=?UTF-8?Q?…?=` words, which is how the worker writes non-ASCII subjects. */
function decodeHeader(value: string): string {
  return value.replace(/=\?UTF-8\?Q\?([^?]*)\?=\s*/gi, (_word, text: string) =>
    Buffer.from(
      text
        .replaceAll('_', ' ')
        .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
      'latin1',
    ).toString('utf8'),
  );
}
