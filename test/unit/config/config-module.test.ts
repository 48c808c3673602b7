import { Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigModule, loadEnv, TESSERA_CONFIG, type TesseraConfig } from '../../../src/config';

@Injectable()
class NeedsConfig {
  constructor(@Inject(TESSERA_CONFIG) readonly config: TesseraConfig) {}
}

/** A feature module that does not import ConfigModule itself: the token must come from the global module. */
@Module({ providers: [NeedsConfig], exports: [NeedsConfig] })
class FeatureModule {}

describe('ConfigModule.forRoot', () => {
  it('provides the loaded configuration globally under TESSERA_CONFIG', async () => {
    const config: TesseraConfig = { env: loadEnv({}, '/srv'), providers: new Map(), clients: new Map(), warnings: [] };
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), FeatureModule] }).compile();
    expect(moduleRef.get(TESSERA_CONFIG)).toBe(config);
    expect(moduleRef.get(NeedsConfig).config).toBe(config);
    await moduleRef.close();
  });
});
