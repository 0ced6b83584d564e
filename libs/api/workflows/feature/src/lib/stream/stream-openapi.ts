import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { ApiEmptyResponse, ApiErrorResponses } from '@flowcast/api-core';
import {
  EVENT_DATA_SCHEMA_NAMES,
  LIST_EVENT_DATA_SCHEMA_NAMES,
  SCHEMA_REF_PREFIX,
} from '@flowcast/shared-contract';

/**
 * How the two event streams appear in the OpenAPI document (CONTRACT §4, docs/stream-protocol.md). OpenAPI
 * 3.1 has no way to type the frames of a `text/event-stream` body, so the media type carries
 * `x-event-types`: each `event:` name and the schema of its `data:` JSON, from the contract's schemas.
 */

/** The extension that maps each event type of a stream to the schema of its `data:`. */
export const EVENT_TYPES_EXTENSION = 'x-event-types';

const refs = (names: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(names).map(([type, name]) => [type, { $ref: `${SCHEMA_REF_PREFIX}${name}` }]),
  );

const fixedHeader = (value: string) => ({ schema: { type: 'string', const: value } });

const streamResponse = (description: string, eventTypes: Record<string, string>) => {
  // A variable, not a literal: swagger's MediaTypeObject type has no room for `x-` extensions.
  const eventStream = {
    schema: {
      type: 'string',
      description:
        'Server-Sent Events: `: comment` lines, `retry: <ms>`, and frames of `id:` (stored events), ' +
        '`event: <type>` and one `data:` line of JSON. The schema of each type’s data is in ' +
        `\`${EVENT_TYPES_EXTENSION}\`: ${Object.keys(eventTypes).join(', ')}.`,
    },
    [EVENT_TYPES_EXTENSION]: refs(eventTypes),
  };
  return ApiResponse({
    status: 200,
    description,
    headers: {
      'Cache-Control': fixedHeader('no-cache'),
      'X-Accel-Buffering': fixedHeader('no'),
    },
    content: { 'text/event-stream': eventStream },
  });
};

const lastEventIdHeader = (description: string) =>
  ApiHeader({ name: 'Last-Event-ID', required: false, description });

const tooManyStreams = ApiResponse({
  status: 429,
  description: 'Too many open streams (per user or per process)',
  headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds' } },
  content: {
    'application/json': { schema: { $ref: `${SCHEMA_REF_PREFIX}ErrorResponse` } },
  },
});

/** `GET /api/workflows/:id/stream`. */
export const ApiWorkflowStream = () =>
  applyDecorators(
    lastEventIdHeader(
      'Resume: every stored event with a greater id, then live, with no snapshot. Not an id the server ' +
        'issued: `stream:reset`, then the snapshot.',
    ),
    streamResponse(
      'The workflow’s events: a snapshot (`workflow:state`, `agent:state`, the last 50 log lines) or the ' +
        'replay after the last event id, then live events in id order. Ends after the final event.',
      EVENT_DATA_SCHEMA_NAMES,
    ),
    ApiEmptyResponse(204, 'The workflow has finished and no event after the last event id passes the filter'),
    ApiErrorResponses(400, 404),
    tooManyStreams,
  );

/** `GET /api/workflows/stream`. */
export const ApiWorkflowListStream = () =>
  applyDecorators(
    lastEventIdHeader(
      'Resume after this list stream id; one this process did not issue (or no longer keeps) gets ' +
        '`stream:reset` and a fresh `workflow:list`.',
    ),
    streamResponse(
      'Every workflow the caller may see, live: `workflow:list` first, then `workflow:created` and ' +
        '`workflow:updated`. Never ends by itself.',
      LIST_EVENT_DATA_SCHEMA_NAMES,
    ),
    ApiErrorResponses(400),
    tooManyStreams,
  );
