import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Logger } from '../app/ports.ts';
import { BadRequestError, ConflictError, DeliveryError, NotFoundError } from '../core/errors.ts';

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS },
    body: JSON.stringify(body),
  };
}

/**
 * Maps an error to a response. Client errors carry their message (written for the caller);
 * anything unexpected is a 500 that names only the request id, never internals.
 */
export function errorResponse(
  error: unknown,
  log: Logger,
  requestId: string,
): APIGatewayProxyStructuredResultV2 {
  if (error instanceof BadRequestError) return json(400, { error: 'bad_request', message: error.message });
  if (error instanceof NotFoundError) return json(404, { error: 'not_found', message: error.message });
  if (error instanceof ConflictError) return json(409, { error: 'conflict', message: error.message });
  if (error instanceof DeliveryError) {
    log.warn('delivery failed during an admin request', { error });
    return json(502, {
      error: 'delivery_failed',
      message: `the downstream host did not accept the message: ${error.response ?? 'no response'}`,
    });
  }
  log.error('unhandled error in API request', { error });
  return json(500, { error: 'internal_error', message: `internal error; request id ${requestId}` });
}
