import { Inject } from '@nestjs/common';

export const APP_CONFIG = Symbol('APP_CONFIG');

/** Constructor-parameter decorator for the typed configuration. */
export const InjectConfig = (): ParameterDecorator => Inject(APP_CONFIG);
