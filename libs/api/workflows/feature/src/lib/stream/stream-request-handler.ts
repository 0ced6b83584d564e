import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpException, Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import cors from 'cors';
import { hasCredentialInQuery, RequestAuthenticator } from '@flowcast/api-auth';
import { FLOWCAST_CONFIG, type FlowcastConfig } from '@flowcast/api-core';
import { WorkflowNotFoundError, WorkflowStateError } from '@flowcast/api-workflows-data-access';
import { assertWorkflowId } from '../dto/workflow-id.pipe';
import { workflowErrorResponse } from '../workflow-errors.filter';
import { decodeSegment, matchStreamRoute, parseStreamQuery, type StreamRouteMatch } from './stream-route';
import { WorkflowStreamService } from './workflow-stream.service';

type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
const proceed = () => undefined;

/**
 * `GET /api/workflows/:id/stream`, served from the HTTP server's request event ahead of Express and Nest.
 * A stream lives for minutes: everything a framework request keeps alive for that long (router state,
 * decorated req/res, the guard's and pipes' objects) was most of an idle stream's memory and of its
 * per-connect cost. The checks are the same ones, in the same order, with the same JSON errors: CORS headers,
 * credentials (401, also for a credential in the URL), the id (400), the query (400), then the stream
 * service (404 for someone else's workflow, 429 at a cap). See docs/stream-protocol.md.
 */
@Injectable()
export class StreamRequestHandler {
  private readonly logger = new Logger(StreamRequestHandler.name);
  private readonly cors: Middleware | null;

  constructor(
    @Inject(RequestAuthenticator) private readonly authenticator: RequestAuthenticator,
    @Inject(WorkflowStreamService) private readonly streams: WorkflowStreamService,
    @Inject(FLOWCAST_CONFIG) config: FlowcastConfig,
  ) {
    // The same exact-origin, with-credentials policy as the rest of the API (configure-app.ts).
    this.cors =
      config.auth.corsOrigins.length > 0
        ? (cors({ origin: config.auth.corsOrigins, credentials: true }) as Middleware)
        : null;
  }

  /** Serves the request when it is a stream request (true); otherwise leaves it to Express (false). */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const route = matchStreamRoute(req.method, req.url);
    if (!route) return false;
    this.serve(req, res, route).catch((error: unknown) => this.fail(res, error));
    return true;
  }

  private async serve(req: IncomingMessage, res: ServerResponse, route: StreamRouteMatch): Promise<void> {
    this.cors?.(req, res, proceed);
    const { query } = route;
    const principal = await this.authenticator.authenticate(
      req.headers,
      hasCredentialInQuery((param) => query.has(param)),
    );
    if (!principal) throw new UnauthorizedException('Authentication required');
    const workflowId = assertWorkflowId(decodeSegment(route.rawId));
    const options = parseStreamQuery(query);
    const header = req.headers['last-event-id'];
    await this.streams.open(res, {
      workflowId,
      lastEventIdHeader: typeof header === 'string' ? header : undefined,
      lastEventIdQuery: options.lastEventId,
      types: options.types,
      principal,
    });
  }

  /** The JSON error (as Nest's exception filters would answer), or a cut response once stream bytes went out. */
  private fail(res: ServerResponse, error: unknown): void {
    const answer = errorAnswer(error);
    if (answer.status === 500) {
      this.logger.error(`Stream request failed: ${(error as Error)?.stack ?? String(error)}`);
    }
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const text = JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(text);
  }
}

function errorAnswer(error: unknown): { status: number; body: object } {
  if (error instanceof HttpException) {
    const response = error.getResponse();
    const status = error.getStatus();
    return {
      status,
      body: typeof response === 'string' ? { statusCode: status, message: response } : response,
    };
  }
  if (error instanceof WorkflowNotFoundError || error instanceof WorkflowStateError) {
    const body = workflowErrorResponse(error);
    return { status: body.statusCode, body };
  }
  return { status: 500, body: { statusCode: 500, message: 'Internal server error' } };
}
