import {
  apiPaths,
  authPaths,
  CSRF_HEADER,
  CSRF_HEADER_VALUE,
  type AuthUserResponse,
  type CreateTokenResponse,
  type ErrorResponse,
  type WorkflowDefinition,
  type WorkflowDetail,
  type WorkflowListResponse,
  type WorkflowLogsResponse,
} from '@flowcast/shared-contract';
import { CliError } from './exit-codes';

/** The server did not answer at all (refused, reset, DNS): the one failure worth retrying. */
export class UnreachableError extends CliError {}

interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Statuses that are a success for this call. */
  expect: number[];
  /** Sent without the bearer token (login). */
  anonymous?: boolean;
}

/** The REST API over Node's fetch, with the bearer token, turning every failure into one clear line. */
export class HttpClient {
  constructor(
    readonly server: string,
    private readonly token: string | undefined,
  ) {}

  /** The headers that authenticate a request; a command that needs them fails early without a token. */
  authHeaders(): Record<string, string> {
    if (!this.token) {
      throw new CliError('not logged in: run `flowcast login`, or pass --token or set FLOWCAST_TOKEN');
    }
    return { Authorization: `Bearer ${this.token}` };
  }

  url(path: string): string {
    return `${this.server}${path}`;
  }

  /** Logs in with a password and returns the session cookie (`name=value`). */
  async login(
    username: string,
    password: string,
  ): Promise<{ cookie: string; user: AuthUserResponse['user'] }> {
    const response = await this.send('POST', authPaths.login, {
      body: { username, password },
      expect: [200],
      anonymous: true,
    });
    const cookie = response.headers.getSetCookie().map((header) => header.split(';')[0]);
    const body = (await response.json()) as AuthUserResponse;
    return { cookie: cookie.join('; '), user: body.user };
  }

  /** A personal API token made with the session cookie (which needs the CSRF header, CONTRACT §2). */
  async createToken(cookie: string, name: string): Promise<string> {
    const response = await this.send('POST', authPaths.tokens, {
      body: { name },
      headers: { Cookie: cookie, [CSRF_HEADER]: CSRF_HEADER_VALUE },
      expect: [201],
      anonymous: true,
    });
    return ((await response.json()) as CreateTokenResponse).token;
  }

  /** Ends the session a token was made with: the CLI keeps only the token. */
  async logout(cookie: string): Promise<void> {
    await this.send('POST', authPaths.logout, {
      headers: { Cookie: cookie, [CSRF_HEADER]: CSRF_HEADER_VALUE },
      expect: [204],
      anonymous: true,
    });
  }

  async create(definition: WorkflowDefinition, start: boolean): Promise<WorkflowDetail> {
    const path = `${apiPaths.workflows}${start ? '?start=true' : ''}`;
    return this.json('POST', path, { body: definition, expect: [201] });
  }

  get(id: string): Promise<WorkflowDetail> {
    return this.json('GET', apiPaths.workflow(id), { expect: [200] });
  }

  list(limit: number): Promise<WorkflowListResponse> {
    return this.json('GET', `${apiPaths.workflows}?limit=${limit}`, { expect: [200] });
  }

  cancel(id: string): Promise<WorkflowDetail> {
    return this.json('POST', apiPaths.cancel(id), { expect: [202] });
  }

  logs(id: string, after: number, limit: number): Promise<WorkflowLogsResponse> {
    return this.json('GET', `${apiPaths.logs(id)}?after=${after}&limit=${limit}`, { expect: [200] });
  }

  private async json<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    return (await (await this.send(method, path, options)).json()) as T;
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(options.anonymous ? {} : this.authHeaders()),
      ...options.headers,
    };
    let response: Response;
    try {
      response = await fetch(this.url(path), {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch (error) {
      throw new UnreachableError(`cannot reach ${this.server}: ${describeFetchError(error)}`);
    }
    if (options.expect.includes(response.status)) return response;
    throw new CliError(`${method} ${path}: ${await describeRefusal(response)}`);
  }
}

/** Node's fetch hides the cause (ECONNREFUSED, ENOTFOUND…) one level down. */
export function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

async function describeRefusal(response: Response): Promise<string> {
  const text = await response.text();
  let message = text.slice(0, 200);
  try {
    const body = JSON.parse(text) as Partial<ErrorResponse>;
    if (typeof body.message === 'string') message = body.message;
    if (body.fields?.length) {
      message += ` (${body.fields.map((field) => `${field.field}: ${field.errors.join(', ')}`).join('; ')})`;
    }
  } catch {
    // Not JSON: the start of the text says enough.
  }
  const hint = response.status === 401 ? ' — run `flowcast login`, or pass a valid --token' : '';
  return `${response.status} ${message}${hint}`;
}
