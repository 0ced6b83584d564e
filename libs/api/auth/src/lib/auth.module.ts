import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { RedisClients } from '@flowcast/api-core';
import { AccessEvents } from './access-events';
import { AccessGuard } from './access.guard';
import { AuthController } from './auth.controller';
import { LoginThrottle } from './login-throttle';
import { RequestAuthenticator } from './request-authenticator';
import { SessionSecret } from './sessions/session-secret';
import { SessionsRepository } from './sessions/sessions.repository';
import { SessionsService } from './sessions/sessions.service';
import { LocalStrategy } from './strategies/local.strategy';
import { TokensRepository } from './tokens/tokens.repository';
import { TokensService } from './tokens/tokens.service';
import { FirstAdmin } from './users/first-admin';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';
import { UsersController } from './users.controller';

@Module({
  imports: [
    PassportModule,
    // Failed-login counters: in memory for one process, in Redis for a cluster.
    ThrottlerModule.forRootAsync({
      inject: [{ token: RedisClients, optional: true }],
      useFactory: (redis: RedisClients | null) => ({
        throttlers: [],
        ...(redis ? { storage: new ThrottlerStorageRedisService(redis.command) } : {}),
      }),
    }),
  ],
  controllers: [AuthController, UsersController],
  providers: [
    AccessEvents,
    SessionSecret,
    UsersRepository,
    SessionsRepository,
    TokensRepository,
    UsersService,
    SessionsService,
    TokensService,
    LoginThrottle,
    RequestAuthenticator,
    LocalStrategy,
    FirstAdmin,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [AccessEvents, UsersService, RequestAuthenticator],
})
export class AuthModule {}
