import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'flowcast:public';

/** Opts a route out of the global access guard. Only health and login carry it (CONTRACT §2). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
