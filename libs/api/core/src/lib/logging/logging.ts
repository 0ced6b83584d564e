import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import pinoHttp from 'pino-http';
import type { FlowcastConfig } from '../config/flowcast-config';

/**
 * Query parameters a careless client may put a credential in. The access guard refuses a request that
 * carries one; the request log redacts their values (and a `password`, which login refuses on its own).
 */
export const CREDENTIAL_QUERY_PARAMS: readonly string[] = [
  'access_token',
  'token',
  'api_key',
  'apikey',
  'session',
];
const CREDENTIAL_PARAM = new RegExp(
  `([?&](?:${[...CREDENTIAL_QUERY_PARAMS, 'password'].join('|')})=)[^&#]*`,
  'gi',
);

export function redactUrl(url: string): string {
  const redacted = url.replace(CREDENTIAL_PARAM, '$1[redacted]');
  return redacted.length > 300 ? `${redacted.slice(0, 300)}…` : redacted;
}

/** The process's one pino logger: JSON lines on stdout. */
export function createLogger(config: Pick<FlowcastConfig, 'logLevel'>): Logger {
  return pino({ level: config.logLevel });
}

/**
 * Nest's LoggerService on top of pino. Deliberately without nestjs-pino: its request context rides on
 * AsyncLocalStorage, which turns on promise hooks for the whole process and slows every promise on the
 * streaming hot path.
 */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.write('info', message, context);
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.write('error', message, context, trace);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string): void {
    this.write('fatal', message, context);
  }

  private write(level: pino.Level, message: unknown, context?: string, trace?: string): void {
    const fields: Record<string, unknown> = {};
    if (context) fields['context'] = context;
    if (trace) fields['trace'] = trace;
    if (message instanceof Error) this.logger[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.logger[level]({ ...fields, ...message });
    else this.logger[level](fields, String(message));
  }
}

/**
 * One line per request when it completes (method, URL with credentials redacted, status, time). The health
 * probe is left out. (Event streams never reach Express: StreamRequestHandler serves them ahead of it.)
 */
export function requestLogger(
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  const log = pinoHttp({
    logger,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
      }),
    },
  });
  return (req, res, next) => {
    if (req.url === '/api/health') {
      next();
      return;
    }
    log(req, res, next);
  };
}
