// The one application error type: an HTTP status, a stable code, a message and optional details.
export class AppError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (message: string, details?: unknown) => new AppError(400, 'bad_request', message, details);
export const unauthorized = (message = 'Authentication required') => new AppError(401, 'unauthorized', message);
export const forbidden = (message = 'You do not have permission to do this') => new AppError(403, 'forbidden', message);
export const notFound = (message: string) => new AppError(404, 'not_found', message);
export const conflict = (message: string, details?: unknown) => new AppError(409, 'conflict', message, details);

/** How a request body is refused, the same whether Express's body parser or the webhook intake read it. */
export const bodyRefusals = {
  tooLarge: () => new AppError(413, 'payload_too_large', 'Request body is larger than the 1 MB limit'),
  malformedJson: () => new AppError(400, 'malformed_json', 'Request body is not valid JSON'),
  notJson: () => new AppError(415, 'unsupported_media_type', 'Send the request body as application/json'),
  unsupportedEncoding: () => new AppError(415, 'unsupported_encoding', 'Unsupported content encoding'),
  unsupportedCharset: () => new AppError(415, 'unsupported_charset', 'Unsupported charset'),
  aborted: () => new AppError(400, 'request_aborted', 'Request was aborted by the client'),
};
