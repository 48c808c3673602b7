import { Global, Module, type DynamicModule } from '@nestjs/common';
import { TESSERA_CONFIG } from './tokens';
import type { TesseraConfig } from './types';

/**
 * Makes the validated configuration injectable everywhere (a global module), under the
 * {@link TESSERA_CONFIG} token. Configuration is loaded and validated before Nest starts
 * (loadConfig), so a bad file stops the broker before any module is built (DESIGN.md §4).
 */
@Global()
@Module({})
export class ConfigModule {
  /**
   * Registers `config` (already validated, e.g. by loadConfig) as the value of TESSERA_CONFIG.
   * Does not read the environment or the disk; never throws.
   */
  static forRoot(config: TesseraConfig): DynamicModule {
    return {
      module: ConfigModule,
      global: true,
      providers: [{ provide: TESSERA_CONFIG, useValue: config }],
      exports: [TESSERA_CONFIG],
    };
  }
}
