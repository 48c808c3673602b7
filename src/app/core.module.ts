import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Clock, SystemClock } from '../common';
import type { TesseraConfig } from '../config';
import { KEY_STORE_SETTINGS, TOKEN_SETTINGS } from '../tokens/tokens.module';

/** Process-wide values every module may inject: the Clock and the settings slices of modules. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: TesseraConfig, clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: Clock, useValue: clock },
        { provide: KEY_STORE_SETTINGS, useValue: { kek: config.env.kek } },
        { provide: TOKEN_SETTINGS, useValue: { issuer: config.env.issuer } },
      ],
      exports: [Clock, KEY_STORE_SETTINGS, TOKEN_SETTINGS],
    };
  }
}
