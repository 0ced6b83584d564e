import { API_PREFIX } from '@flowcast/shared-contract';

/**
 * `/api/workflows/:id/stream` and the list's `/api/workflows/stream`, as Express matches routes: any letter
 * case, an optional trailing slash.
 */
const STREAM_PATH = new RegExp(`^/${API_PREFIX}/workflows/(?:[^/?]+/)?stream/?(?:\\?|$)`, 'i');

/**
 * Whether a request URL is an event stream's. Streams skip the per-request middleware that would stay
 * attached to a response open for minutes and add nothing to an event stream: the request log line (which
 * would be written only when the stream ends) and helmet's document headers (CSP and the like).
 */
export function isStreamRequest(url: string | undefined): boolean {
  return url !== undefined && STREAM_PATH.test(url);
}
