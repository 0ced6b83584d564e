import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { FLOWCAST_CONFIG, type FlowcastConfig } from '@flowcast/api-core';
import { generatePassword } from './passwords';
import { UsersService } from './users.service';

/**
 * On a store without an admin, creates the first admin (`admin`) with ADMIN_PASSWORD, or with a generated
 * password that is printed once, on stderr, outside the structured log (so it never reaches a log store
 * through the JSON logger).
 */
@Injectable()
export class FirstAdmin implements OnApplicationBootstrap {
  private readonly logger = new Logger(FirstAdmin.name);

  constructor(
    @Inject(FLOWCAST_CONFIG) private readonly config: FlowcastConfig,
    @Inject(UsersService) private readonly users: UsersService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Users made with the CLI before the first start do not count: there must be an admin to log in as.
    if ((await this.users.countAdmins()) > 0 || (await this.users.exists('admin'))) return;
    const given = this.config.auth.adminPassword;
    const password = given ?? generatePassword();
    await this.users.create('admin', password, 'admin');
    if (given) {
      this.logger.log('Created the first admin user "admin" with the password from ADMIN_PASSWORD');
    } else {
      process.stderr.write(
        `\nflowcast: created the first admin user "admin" with password: ${password}\n` +
          'flowcast: this password is shown only once; change it with `npm run user -- reset-password admin`.\n\n',
      );
    }
  }
}
