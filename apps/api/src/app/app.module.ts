import { existsSync } from 'node:fs';
import { DynamicModule, Module } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import { AuthModule } from '@flowcast/api-auth';
import { CoreModule, CoreModuleOptions } from '@flowcast/api-core';
import { WorkflowsFeatureModule } from '@flowcast/api-workflows-feature';

export interface AppModuleOptions extends CoreModuleOptions {
  /** The built console (dist/apps/console/browser); served at `/` when it exists. */
  consoleDir?: string;
}

@Module({})
export class AppModule {
  static forRoot({ consoleDir, ...core }: AppModuleOptions): DynamicModule {
    const serveConsole =
      consoleDir !== undefined && existsSync(consoleDir)
        ? [
            ServeStaticModule.forRoot({
              rootPath: consoleDir,
              // Everything that is not the API is the console; unknown paths get index.html (deep links).
              exclude: ['/api/{*path}'],
              serveStaticOptions: { index: 'index.html', maxAge: '1h' },
            }),
          ]
        : [];
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(core), AuthModule, WorkflowsFeatureModule, ...serveConsole],
    };
  }
}
