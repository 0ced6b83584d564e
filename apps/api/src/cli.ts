import { parseArgs } from 'node:util';
import { generatePassword, usersServiceFor } from '@flowcast/api-auth';
import { loadConfig, StoreConnection } from '@flowcast/api-core';
import { USER_ROLES, type UserRole } from '@flowcast/shared-contract';

const USAGE = `usage:
  npm run user -- create <username> [--role admin|member] [--password <password>]
  npm run user -- reset-password <username> [--password <password>]
Without --password a strong password is generated and printed once.
The store is the one DATABASE_URL names (default sqlite:data/flowcast.db).`;

function fail(message: string): never {
  process.stderr.write(`flowcast user: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      role: { type: 'string', default: 'member' },
      password: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const [command, username] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!username) fail(`${command} needs a username\n${USAGE}`);
  const role = values.role as UserRole;
  if (!USER_ROLES.includes(role)) fail(`--role must be one of ${USER_ROLES.join(', ')}`);
  const password = values.password ?? generatePassword();
  if (password.length < 8) fail('the password must have at least 8 characters');

  const config = loadConfig();
  const store = await StoreConnection.open(config.store);
  try {
    const users = usersServiceFor(config, store);
    if (command === 'create') {
      const user = await users.create(username, password, role);
      process.stdout.write(`created ${user.role} ${user.username} (${user.id})\n`);
    } else if (command === 'reset-password') {
      await users.setPasswordByName(username, password);
      process.stdout.write(`reset the password of ${username}; their sessions are signed out\n`);
    } else {
      fail(`unknown command ${command}\n${USAGE}`);
    }
    if (!values.password) process.stdout.write(`password: ${password}\n`);
  } catch (error) {
    fail((error as Error).message);
  } finally {
    await store.close();
  }
}

main().catch((error: Error) => fail(error.message));
