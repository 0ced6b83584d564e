import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';

export const IS_PUBLIC = 'flowcast:public';

/**
 * Opts a route out of the global access guard. Only health and login carry it (CONTRACT §2). The OpenAPI
 * document says so too: an empty security requirement is OpenAPI's "no credentials needed".
 */
export const Public = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), ApiSecurity({}));
