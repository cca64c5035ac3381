import type { AddressInfo } from 'node:net';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { type DnsResolver, verifyMailAuth } from '../adapters/mail-auth.ts';
import type { Logger, MailStore } from '../app/ports.ts';
import { GATEWAY_AUTHSERV_ID } from '../core/auth/trusted-auth-results.ts';
import type { AuthVerdicts } from '../core/auth/types.ts';
import type { GraywallConfig } from '../core/config/schema.ts';
import { formatRfc5322Date } from '../core/mime/format-date.ts';
import { INCOMING_PREFIX } from '../core/mime/mail-keys.ts';
import { isPlainAddress } from '../core/mime/plain-address.ts';
import { prependHeaderFields } from '../core/mime/raw-message.ts';
import { newSesMessageId } from './message-id.ts';

/** The gateway's host name (it is also the authserv-id of its Authentication-Results). */
export const INBOUND_HOST_NAME = GATEWAY_AUTHSERV_ID;

export interface SmtpInboundOptions {
  readonly config: GraywallConfig;
  readonly mail: MailStore;
  readonly sqs: SQSClient;
  readonly inboundQueueUrl: string;
  readonly log: Logger;
  readonly port: number;
  readonly now?: () => Date;
  /**
   * DNS for SPF, DKIM and DMARC checks (SES does them in AWS; the gateway does them here).
   * Tests inject a table; by default the system resolver, with short timeouts.
   */
  readonly authResolver?: DnsResolver;
}

export interface SmtpInbound {
  readonly port: number;
  stop(): Promise<void>;
}

interface SmtpError extends Error {
  responseCode?: number;
}

/**
 * Plays SES inbound on 127.0.0.1: accepts mail for the configured domains (550 for the
 * rest), refuses mail over the size limit (552), stores the raw message under incoming/
 * with the trace headers SES adds (Return-Path, Received with the connecting IP), and only
 * then queues an SES receipt notification for the scan stage and answers 250. If storing
 * or queueing fails the client gets a 451 and retries, so accepted mail is never lost.
 */
export async function startSmtpInbound(options: SmtpInboundOptions): Promise<SmtpInbound> {
  const { config, log } = options;
  const now = options.now ?? (() => new Date());
  const maxBytes = config.limits.maxMessageBytes;
  const server = new SMTPServer({
    name: INBOUND_HOST_NAME,
    banner: 'Graywall local gateway (playing Amazon SES inbound)',
    size: maxBytes,
    authOptional: true,
    disabledCommands: ['AUTH'],
    // Like SES inbound, no SMTPUTF8 (RFC 6531): the addresses go into header fields written
    // as latin1, where a decoded U+010A keeps only its low byte, a line feed.
    hideSMTPUTF8: true,
    logger: false,
    onMailFrom(address, _session, callback) {
      // The null reverse-path `<>` (a bounce) has no address at all.
      if (address.address !== '' && !isPlainAddress(address.address))
        return callback(nonAsciiAddress(address.address));
      callback();
    },
    onRcptTo(address, _session, callback) {
      if (!isPlainAddress(address.address)) return callback(nonAsciiAddress(address.address));
      const recipient = address.address.toLowerCase();
      if (!acceptsRecipient(config, recipient)) {
        // With `recipients` configured, a handled domain can still have addresses SES refuses.
        const domain = recipient.slice(recipient.lastIndexOf('@') + 1);
        const why = config.domains.includes(domain)
          ? 'not an accepted recipient (config recipients)'
          : 'not a domain handled here';
        return callback(smtpError(550, `5.1.1 <${address.address}>: Recipient address rejected: ${why}`));
      }
      callback();
    },
    onData(stream, session, callback) {
      receive(stream, session)
        .then((id) => callback(null, `Ok: queued as ${id}`))
        .catch((error: SmtpError) => {
          if (!error.responseCode) log.error('could not accept message', { error });
          callback(
            error.responseCode
              ? error
              : smtpError(451, '4.3.0 Temporary failure storing the message, try again later'),
          );
        });
    },
  });

  async function receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      // Keep reading to the end of DATA (the protocol needs it) but stop buffering past the limit.
      if (size <= maxBytes) chunks.push(chunk as Buffer);
    }
    if (stream.sizeExceeded || size > maxBytes) {
      throw smtpError(552, `5.3.4 Message size exceeds fixed maximum message size (${maxBytes} bytes)`);
    }
    const id = newSesMessageId();
    const receivedAt = now();
    const recipients = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
    const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const body = Buffer.concat(chunks);
    // As SES does on receipt: check SPF, DKIM and DMARC, write the results on top of the
    // message and into the notification. A verification that cannot finish says so; it
    // never stops the mail.
    const auth = await verifyMailAuth(
      { raw: body, ip: session.remoteAddress, helo: session.hostNameAppearsAs || '', envelopeFrom: mailFrom },
      {
        authservId: INBOUND_HOST_NAME,
        queryTimeoutMs: 1500,
        totalTimeoutMs: 4000,
        ...(options.authResolver ? { resolver: options.authResolver } : {}),
      },
    );
    // Put above the sender's header by prependHeaderFields: a message that opens with an
    // indented line would otherwise have it folded into our Authentication-Results, where a
    // sender could write "dkim=pass" under our name.
    const raw = prependHeaderFields(body, [
      ...traceHeaders(session, id, mailFrom, recipients, receivedAt),
      ...(auth.receivedSpf ? [['Received-SPF', auth.receivedSpf] as const] : []),
      ['Authentication-Results', auth.authenticationResults],
    ]);
    const key = `${INCOMING_PREFIX}${id}`;
    await options.mail.put(key, raw);
    await options.sqs.send(
      new SendMessageCommand({
        QueueUrl: options.inboundQueueUrl,
        MessageBody: JSON.stringify(
          receiptNotification(id, options.mail.bucket, key, mailFrom, recipients, receivedAt, auth.verdicts),
        ),
      }),
    );
    log.info('accepted', {
      messageId: id,
      from: mailFrom,
      recipients,
      size: raw.byteLength,
      remoteIp: session.remoteAddress,
    });
    return id;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  server.on('error', (error) => log.warn('smtp inbound error', { error }));
  return {
    port: (server.server.address() as AddressInfo).port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function acceptsRecipient(config: GraywallConfig, recipient: string): boolean {
  // As SES's receipt rule (acceptedRecipients in lib/graywall-stack.ts): the listed addresses
  // and the submission mailboxes, or whole domains.
  if (config.recipients.length > 0)
    return (
      config.recipients.includes(recipient) ||
      config.submissions.mailboxes.some((m) => m.address === recipient)
    );
  const domain = recipient.slice(recipient.lastIndexOf('@') + 1);
  return config.domains.includes(domain);
}

/** Return-Path and a Received line as SES writes them (RFC 5321 §4.4 trace information). */
function traceHeaders(
  session: SMTPServerSession,
  id: string,
  mailFrom: string,
  recipients: string[],
  at: Date,
): Array<readonly [string, string]> {
  // The HELO name is whatever the client typed: keep only characters a host name may hold.
  const clean = (text: string | false): string =>
    (text || 'unknown').replace(/[^\w.:[\]-]/g, '?').slice(0, 255);
  const helo = clean(session.hostNameAppearsAs);
  const reverse = clean(session.clientHostname);
  const ip = session.remoteAddress.includes(':') ? `IPv6:${session.remoteAddress}` : session.remoteAddress;
  const forClause = recipients.length === 1 ? ` for ${recipients[0]}` : '';
  return [
    ['Return-Path', `<${mailFrom}>`],
    [
      'Received',
      `from ${helo} (${reverse} [${ip}]) by ${INBOUND_HOST_NAME} with SMTP id ${id}${forClause}; ${formatRfc5322Date(at)}`,
    ],
  ];
}

/** The SES receipt notification (S3 action) that SNS delivers raw to the inbound queue. */
export function receiptNotification(
  id: string,
  bucket: string,
  key: string,
  source: string,
  recipients: string[],
  at: Date,
  auth: AuthVerdicts = {},
) {
  const verdict = (status: string | undefined) => ({ status: status ?? 'PROCESSING_FAILED' });
  return {
    notificationType: 'Received',
    mail: { timestamp: at.toISOString(), source, messageId: id, destination: recipients },
    receipt: {
      timestamp: at.toISOString(),
      recipients,
      // The local gateway has no SES spam or virus scanner; say so rather than invent verdicts.
      spamVerdict: { status: 'DISABLED' },
      virusVerdict: { status: 'DISABLED' },
      spfVerdict: verdict(auth.spf),
      dkimVerdict: verdict(auth.dkim),
      dmarcVerdict: verdict(auth.dmarc),
      action: { type: 'S3', bucketName: bucket, objectKey: key },
    },
  };
}

function smtpError(code: number, message: string): SmtpError {
  const error: SmtpError = new Error(message);
  error.responseCode = code;
  return error;
}

/** RFC 6531 §3.5 with RFC 6533's enhanced code: a non-ASCII address where none is taken. */
function nonAsciiAddress(address: string): Error {
  return smtpError(
    553,
    `5.6.7 <${address.replace(/[^\x21-\x7e]/g, '?')}>: non-ASCII addresses are not accepted`,
  );
}
