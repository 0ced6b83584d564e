import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@flowcast/api-auth';
import { CoreModule, CoreModuleOptions } from '@flowcast/api-core';
import { WorkflowsFeatureModule } from '@flowcast/api-workflows-feature';

@Module({})
export class AppModule {
  static forRoot(options: CoreModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(options), AuthModule, WorkflowsFeatureModule],
    };
  }
}
