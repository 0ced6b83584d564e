import type { ServerResponse } from 'node:http';

/**
 * What Express hangs on a request for routing and no one reads once the handler runs: the router's `next`
 * closure (with the router's state for this request) and the parsed URL (parseurl parses again if asked).
 * What a guard, interceptor or filter may still read after the handler (params, route, the principal,
 * `res.locals`) is left alone.
 */
const ROUTING_LEFTOVERS = ['next', '_parsedUrl'];

/**
 * Once a stream has taken its response over, an open stream would keep Express's routing state for this
 * request for minutes. Drops those references (docs/performance.md, finding 21), keeping the properties so
 * that the request's shape does not change.
 */
export function releaseRoutingState(res: ServerResponse): void {
  const req = res.req as unknown as Record<string, unknown>;
  for (const key of ROUTING_LEFTOVERS) if (Object.hasOwn(req, key)) req[key] = undefined;
}
