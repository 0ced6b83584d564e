import { hostname } from 'node:os';
import { AUTH_LIMITS } from '@flowcast/shared-contract';
import { configPath, readConfig, resolveConnection, writeConfig } from '../config';
import type { CliContext } from '../context';
import { CliError, ExitCode } from '../exit-codes';
import { HttpClient } from '../http-client';
import { promptHidden, promptLine, readStdin } from '../prompt';

export interface LoginCommandOptions {
  server?: string;
  username?: string;
  passwordStdin: boolean;
}

/** Names the token after the machine, so the user can tell which one to revoke. */
export function tokenName(host: string = hostname()): string {
  return `flowcast-cli@${host}`.slice(0, AUTH_LIMITS.tokenName.max);
}

async function credentials(options: LoginCommandOptions, context: CliContext): Promise<[string, string]> {
  if (options.passwordStdin) {
    if (!options.username) throw new CliError('--password-stdin needs --username');
    return [options.username, await readStdin(context.stdin)];
  }
  if (!context.stdin.isTTY) {
    throw new CliError('no terminal to ask for the password: pass --username and --password-stdin');
  }
  const username = options.username ?? (await promptLine('Username: ', context));
  return [username, await promptHidden('Password: ', context)];
}

/**
 * Logs in with a password once and keeps a personal API token (never the password) with the server URL
 * in the config file; the session used to make the token is logged out again.
 */
export async function loginCommand(options: LoginCommandOptions, context: CliContext): Promise<ExitCode> {
  const path = configPath(context.env);
  const { server } = resolveConnection({ server: options.server }, context.env, readConfig(path));
  const [username, password] = await credentials(options, context);
  const client = new HttpClient(server, undefined);
  const { cookie, user } = await client.login(username, password);
  const token = await client.createToken(cookie, tokenName());
  await client.logout(cookie);
  writeConfig(path, { server, token });
  context.stderr.write(`flowcast: logged in to ${server} as ${user.username}; token saved in ${path}\n`);
  return ExitCode.completed;
}
