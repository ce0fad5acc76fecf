import { describe, expect, it } from 'vitest';
import { classifySmtpError } from '../src/channels/email.js';

describe('failure classification', () => {
  it('retries SMTP 4xx and network errors, gives up on 5xx', () => {
    expect(classifySmtpError({ responseCode: 451, message: 'try later' }).recoverable).toBe(true);
    expect(classifySmtpError({ code: 'ECONNECTION', message: 'refused' }).recoverable).toBe(true);
    expect(classifySmtpError({ code: 'ETIMEDOUT', message: 'timeout' }).recoverable).toBe(true);
    expect(classifySmtpError({ responseCode: 550, message: 'no such user' }).recoverable).toBe(false);
  });
});
