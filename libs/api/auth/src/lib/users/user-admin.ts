import { type FlowcastConfig, StoreConnection } from '@flowcast/api-core';
import { AccessEvents } from '../access-events';
import { SessionSecret } from '../sessions/session-secret';
import { SessionsRepository } from '../sessions/sessions.repository';
import { SessionsService } from '../sessions/sessions.service';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/**
 * The users service wired by hand over an open store, for the command line: no HTTP server, no engine
 * (so running the CLI next to a live server never touches its workflows).
 */
export function usersServiceFor(config: FlowcastConfig, store: StoreConnection): UsersService {
  const access = new AccessEvents();
  const sessions = new SessionsService(
    config,
    new SessionsRepository(store),
    new SessionSecret(config, store),
    access,
  );
  return new UsersService(new UsersRepository(store), sessions, access);
}
