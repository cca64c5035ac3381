/**
 * Named errors with a cause. Spam is a verdict, never an exception: these are for faults
 * (bad config, bad input the caller must fix, a dependency that failed).
 */
export class GraywallError extends Error {
  override readonly name: string = 'GraywallError';
}

/** The configuration file is unreadable or invalid; `issues` lists one line per problem. */
export class ConfigError extends GraywallError {
  override readonly name = 'ConfigError';
  readonly issues: readonly string[];
  constructor(message: string, options: { cause?: unknown; issues?: readonly string[] } = {}) {
    super(message, { cause: options.cause });
    this.issues = options.issues ?? [message];
  }
}

/** A request names something that does not exist (maps to 404 at the API edge). */
export class NotFoundError extends GraywallError {
  override readonly name = 'NotFoundError';
}

/** A request conflicts with the current state, e.g. releasing an item already released (409). */
export class ConflictError extends GraywallError {
  override readonly name = 'ConflictError';
}

/** A request is malformed (400). The message is safe to show to the caller. */
export class BadRequestError extends GraywallError {
  override readonly name = 'BadRequestError';
}

/**
 * Delivery to the downstream host failed. `permanent` is true for 5xx replies (RFC 5321
 * §4.2.1): retrying will not help, the message must be bounced or held.
 */
export class DeliveryError extends GraywallError {
  override readonly name = 'DeliveryError';
  readonly permanent: boolean;
  readonly response: string | undefined;
  constructor(message: string, options: { cause?: unknown; permanent?: boolean; response?: string } = {}) {
    super(message, { cause: options.cause });
    this.permanent = options.permanent ?? false;
    this.response = options.response;
  }
}
