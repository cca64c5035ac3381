import { resolveMx } from 'node:dns/promises';
import { isIP } from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { DeliveryReceipt, HostTarget, OutboundMail, Transport, TransportFactory } from '../app/ports.ts';
import type { SmtpDeliveryConfig } from '../core/config/schema.ts';
import { DeliveryError } from '../core/errors.ts';

/** An SMTP AUTH login (RFC 4954). */
export interface SmtpCredentials {
  readonly username: string;
  readonly password: string;
}

/** Where the login comes from (Secrets Manager in AWS, the environment locally), read per delivery. */
export interface SmtpCredentialsSource {
  get(): Promise<SmtpCredentials>;
  /** The server refused the login: read it again next time (it may have been rotated). */
  refused(): void;
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  /** The SMTP command being answered (nodemailer's `command`), e.g. `STARTTLS`, `RCPT TO`. */
  command?: string;
}

/**
 * Relays mail to the organisation's downstream MTA over SMTP, raw bytes untouched.
 * In AWS, Lambda blocks outbound port 25: point `delivery.port` at 587 (or another port the
 * downstream host listens on), or run the action function in a VPC with a route that allows it.
 */
export class SmtpTransport implements Transport {
  readonly description: string;
  private readonly options: SMTPTransport.Options;
  private readonly credentials: SmtpCredentialsSource | undefined;
  private transporter: Transporter<SMTPTransport.SentMessageInfo> | undefined;
  private login: SmtpCredentials | undefined;

  constructor(config: SmtpDeliveryConfig, credentials?: SmtpCredentialsSource) {
    this.description = `smtp://${config.host}:${config.port}`;
    this.credentials = credentials;
    const timeout = config.connectTimeoutSeconds * 1000;
    this.options = {
      host: config.host,
      port: config.port,
      // Port 465 is implicit TLS (RFC 8314); every other port starts clear and upgrades.
      secure: config.port === 465,
      requireTLS: config.tls === 'required',
      ignoreTLS: config.tls === 'none',
      // SNI carries host names only (RFC 6066 §3), never IP literals.
      tls: {
        rejectUnauthorized: config.verifyCertificate,
        ...(isIP(config.host) ? {} : { servername: config.host }),
      },
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: 60_000,
      ...(config.heloName ? { name: config.heloName } : {}),
    };
  }

  /** The transporter for the current login (a rotated secret gets a new one). */
  private async transporterFor(): Promise<Transporter<SMTPTransport.SentMessageInfo>> {
    const login = this.credentials ? await this.credentials.get() : undefined;
    if (
      !this.transporter ||
      login?.username !== this.login?.username ||
      login?.password !== this.login?.password
    ) {
      this.transporter?.close();
      this.transporter = nodemailer.createTransport({
        ...this.options,
        ...(login ? { auth: { user: login.username, pass: login.password } } : {}),
      });
      this.login = login;
    }
    return this.transporter;
  }

  async deliver(mail: OutboundMail): Promise<DeliveryReceipt> {
    let info: SMTPTransport.SentMessageInfo;
    const transporter = await this.transporterFor();
    // Each step's own timeout may be within a caller's limit and their sum not (a slow
    // greeting, then a slow DATA): the whole session is bounded, and nodemailer closes the
    // connection when the signal fires, so no late send completes behind our back.
    const signal =
      mail.timeoutMs === undefined ? undefined : AbortSignal.timeout(Math.max(1, mail.timeoutMs));
    try {
      info = await transporter.sendMail({
        envelope: { from: mail.envelopeFrom, to: [...mail.recipients] },
        raw: Buffer.from(mail.raw.buffer, mail.raw.byteOffset, mail.raw.byteLength),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      const e = error as SmtpError;
      if (signal?.aborted) {
        // Whether the server got the message is unknown if DATA was under way (RFC 5321
        // §4.1.1.4 has no answer for a lost final reply): retryable, as a timeout always is.
        const response = `did not finish within ${((mail.timeoutMs ?? 0) / 1000).toFixed(1)} s`;
        throw new DeliveryError(`${this.description} ${response}`, {
          cause: error,
          permanent: false,
          response,
        });
      }
      if (e.code === 'EAUTH') {
        // Our login was refused (535, RFC 4954 §6): the message was never judged. Retried, not
        // bounced or dropped, and the secret is read again for the next attempt.
        this.credentials?.refused();
        const response = e.response ?? e.message;
        throw new DeliveryError(
          `${this.description} refused our login (check the delivery.auth secret): ${response}`,
          { cause: error, permanent: false, response },
        );
      }
      if (
        e.code === 'ETLS' ||
        e.command === 'STARTTLS' ||
        (e.responseCode === undefined && TLS_FAILURE.test(e.message))
      ) {
        // The session never got as far as the message: the server does not do TLS the way
        // delivery.tls asks, or its certificate failed the check. A setting to fix, not a
        // verdict on the message: retried, never bounced, and said in the words the timeline
        // and `graywall why` show.
        const response = `TLS failed (check delivery.tls and verifyCertificate): ${e.response ?? e.message}`;
        throw new DeliveryError(`${this.description} could not start TLS: ${response}`, {
          cause: error,
          permanent: false,
          response,
        });
      }
      const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600;
      const response = e.response ?? `${e.code ?? 'ERROR'}: ${e.message}`;
      // A reply code means the server answered and refused; without one the connection or the
      // session failed (refused, timed out, TLS) and the message was never judged.
      const what = typeof e.responseCode === 'number' ? 'refused the message' : 'could not be reached';
      throw new DeliveryError(`${this.description} ${what}: ${response}`, {
        cause: error,
        permanent,
        response,
      });
    }
    const rejected = info.rejected.map(address);
    // Each refused RCPT's own reply (550 5.1.1 user unknown): `response` answers the DATA that
    // the other recipients' copy was taken with.
    const rejectedReplies = Object.fromEntries(
      (info.rejectedErrors ?? []).flatMap((e) => {
        const detail = e as SmtpError & { recipient?: string };
        return detail.recipient && detail.response ? [[detail.recipient, detail.response]] : [];
      }),
    );
    return {
      response: info.response,
      accepted: info.accepted.map(address),
      rejected,
      ...(Object.keys(rejectedReplies).length > 0 ? { rejectedReplies } : {}),
    };
  }
}

/** Node's TLS and certificate errors, as nodemailer passes them on (code ESOCKET). */
const TLS_FAILURE = /certificate|self[- ]signed|unable to verify|altnames|ssl routines|wrong version number/i;

function address(value: string | { address: string }): string {
  return typeof value === 'string' ? value : value.address;
}

export type MxResolver = (domain: string) => Promise<Array<{ exchange: string; priority: number }>>;

/**
 * Transports for policy "alternate host" actions: same TLS and timeout settings as the
 * configured SMTP delivery, another host. A host name is looked up as a mail domain first
 * (MX records, lowest preference first, RFC 5321 §5.1) and used directly when it has none
 * (the implicit MX: its A/AAAA records); an IP literal is used as is.
 */
export class SmtpTransportFactory implements TransportFactory {
  private readonly base: SmtpDeliveryConfig;
  private readonly resolve: MxResolver;

  constructor(base: SmtpDeliveryConfig, resolve: MxResolver = resolveMx) {
    this.base = base;
    this.resolve = resolve;
  }

  forHost(target: HostTarget): Transport {
    const port = target.port ?? 25;
    const make = (host: string): SmtpTransport => new SmtpTransport({ ...this.base, host, port });
    if (isIP(target.host)) return make(target.host);
    const resolve = this.resolve;
    const description = `smtp://${target.host}:${port} (MX)`;
    return {
      description,
      async deliver(mail) {
        let hosts: string[];
        try {
          const records = await resolve(target.host);
          hosts = records
            .sort((a, b) => a.priority - b.priority)
            .map((r) => r.exchange)
            .filter(Boolean);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== 'ENODATA' && code !== 'ENOTFOUND') {
            throw new DeliveryError(
              `MX lookup for ${target.host} failed: ${code ?? (error as Error).message}`,
              { cause: error },
            );
          }
          hosts = [];
        }
        if (hosts.length === 0) hosts = [target.host];
        let last: unknown;
        // A time limit covers all the MX hosts together, not each of them.
        const started = Date.now();
        for (const host of hosts) {
          const left = mail.timeoutMs === undefined ? undefined : mail.timeoutMs - (Date.now() - started);
          if (left !== undefined && left <= 0) break;
          try {
            return await make(host).deliver(left === undefined ? mail : { ...mail, timeoutMs: left });
          } catch (error) {
            // A 5xx is the receiving domain's answer: do not shop it around other MX hosts.
            if (error instanceof DeliveryError && error.permanent) throw error;
            last = error;
          }
        }
        throw last ?? new DeliveryError(`${description}: no time left to try it`, { permanent: false });
      },
    };
  }
}
