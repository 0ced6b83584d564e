import { badRequest } from '@flowcast/api-core';
import { API_PREFIX, type FieldError } from '@flowcast/shared-contract';

/** The one route served ahead of Express (see StreamRequestHandler), as the route table would name it. */
export const STREAM_ROUTE = `GET /${API_PREFIX}/workflows/:id/stream`;

/** Matched as Express matched it: case-insensitive, an optional trailing slash, an optional query. */
const STREAM_PATH = new RegExp(`^/${API_PREFIX}/workflows/([^/?]+)/stream/?(?:\\?(.*))?$`, 'i');

export interface StreamRouteMatch {
  /** The id path segment, still percent-encoded. */
  rawId: string;
  query: URLSearchParams;
}

export function matchStreamRoute(
  method: string | undefined,
  url: string | undefined,
): StreamRouteMatch | null {
  if (method !== 'GET' || url === undefined) return null;
  const match = STREAM_PATH.exec(url.startsWith('/') ? url : originForm(url));
  return match ? { rawId: match[1], query: new URLSearchParams(match[2] ?? '') } : null;
}

/** `http://host/path?query` (the absolute form a client may send, RFC 9112 §3.2.2) as `/path?query`. */
function originForm(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  } catch {
    return url;
  }
}

/** A path segment decoded; a malformed escape gives back the segment as it is (which no id check passes). */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export interface StreamQuery {
  /** Resume point when the client cannot send the Last-Event-ID header; malformed is a reset, not an error. */
  lastEventId?: string;
  types?: string;
}

const QUERY_LIMITS: Record<keyof StreamQuery, number> = { lastEventId: 100, types: 1_000 };

/** The stream's query options; anything else, a repeated option or an over-long one is a 400 naming it. */
export function parseStreamQuery(query: URLSearchParams): StreamQuery {
  const result: StreamQuery = {};
  const fields: FieldError[] = [];
  for (const name of new Set(query.keys())) {
    if (!Object.hasOwn(QUERY_LIMITS, name)) {
      fields.push({ field: name, errors: [`${name} is not an allowed field`] });
      continue;
    }
    const key = name as keyof StreamQuery;
    const values = query.getAll(key);
    if (values.length > 1) fields.push({ field: key, errors: [`${key} must be a string`] });
    else if (values[0].length > QUERY_LIMITS[key]) {
      fields.push({
        field: key,
        errors: [`${key} must be shorter than or equal to ${QUERY_LIMITS[key]} characters`],
      });
    } else result[key] = values[0];
  }
  if (fields.length > 0) throw badRequest(fields);
  return result;
}
