export * from './lib/auth.module';
export * from './lib/access.guard';
export * from './lib/access-events';
export * from './lib/decorators';
export * from './lib/principal';
export * from './lib/users/users.service';
export { Public } from '@flowcast/api-core';
export * from './lib/users/user-admin';
export { generatePassword } from './lib/users/passwords';
