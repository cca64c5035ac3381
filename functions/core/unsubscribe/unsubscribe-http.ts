import type { Refusal } from './refusal.ts';

/**
 * The port through which use cases make the unsubscribe request to a sender's endpoint. The
 * types live here, not in the adapter, so that functions/app can depend on them (it may not
 * import adapters); functions/adapters/safe-http.ts implements the interface.
 */

/**
 * GET, or the RFC 8058 one-click POST: `List-Unsubscribe=One-Click` as
 * application/x-www-form-urlencoded, without cookies or credentials (§3.2).
 */
export type SafeHttpMethod = 'GET' | 'ONE_CLICK_POST';

export interface SafeHttpRequest {
  readonly url: string;
  readonly method: SafeHttpMethod;
}

interface SafeHttpResultBase {
  /** The URL asked for. */
  readonly url: string;
  /** The last URL tried: the requested one, or the last redirect target (refused or not). */
  readonly finalUrl: string;
  /** Redirect targets followed, in order. */
  readonly redirects: readonly string[];
}

/**
 * What came of the request. A `response` is any HTTP answer: whether it counts as success
 * (2xx, RFC 8058 §3.2) is the caller's decision. `refused` is final (the URI or an address
 * on the way failed a safety check, or the redirect cap was reached: TOO_MANY_REDIRECTS, a
 * dead link rather than a dangerous one); `timeout` and `network-error` are worth a retry.
 */
export type SafeHttpResult =
  | (SafeHttpResultBase & {
      readonly outcome: 'response';
      readonly status: number;
      readonly contentType: string | undefined;
      /** At most the client's body cap. */
      readonly body: Buffer;
      readonly bodyTruncated: boolean;
    })
  | (SafeHttpResultBase & { readonly outcome: 'refused'; readonly refusal: Refusal })
  | (SafeHttpResultBase & { readonly outcome: 'timeout' })
  | (SafeHttpResultBase & {
      readonly outcome: 'network-error';
      /** Node's error code (ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED...) or ERROR. */
      readonly code: string;
      readonly message: string;
    });

export interface UnsubscribeHttp {
  /** Never rejects for anything the remote side does. */
  request(request: SafeHttpRequest): Promise<SafeHttpResult>;
}
