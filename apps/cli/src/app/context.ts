import { configPath, readConfig, resolveConnection, type ConnectionOptions } from './config';
import { HttpClient } from './http-client';
import type { PromptIo } from './prompt';
import type { OutputStream } from './renderers/renderer';

/** The process's surroundings, passed in so that the commands can be run against fakes in the specs. */
export interface CliContext extends PromptIo {
  env: Record<string, string | undefined>;
  stdout: OutputStream & NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** The options every command takes (commander's global options). */
export type GlobalOptions = ConnectionOptions;

/** A REST client for the server and token that the flags, the environment and the config name. */
export function clientFor(options: GlobalOptions, context: CliContext): HttpClient {
  const { server, token } = resolveConnection(options, context.env, readConfig(configPath(context.env)));
  return new HttpClient(server, token);
}
