import type { ServerResponse } from 'node:http';

/** What Express and the access guard hang on a request for its handlers. */
const REQUEST_EXTRAS = ['next', '_parsedUrl', 'params', 'route', 'user'];

/**
 * Once a stream has taken its response over, nothing reads what the framework attached to the request for
 * the handler (the router's `next` closure and its state, the parsed URL, params, the principal), and an
 * open stream would keep it all for minutes. Drops those references (docs/performance.md), keeping the
 * properties so that the objects' shapes do not change.
 */
export function releaseRequestExtras(res: ServerResponse): void {
  const req = res.req as unknown as Record<string, unknown>;
  for (const key of REQUEST_EXTRAS) if (Object.hasOwn(req, key)) req[key] = undefined;
  if (Object.hasOwn(res, 'locals')) (res as unknown as Record<string, unknown>)['locals'] = undefined;
}
