/**
 * Public API of config/ (DESIGN.md §2): the configuration types, the loaders and the Nest
 * module that provides the loaded configuration. Other modules import from here only.
 */
export * from './types';
export { TESSERA_CONFIG } from './tokens';
export { ConfigModule } from './config.module';
export { loadEnv, checkEnv, ENV_DEFAULTS, DEVELOPMENT_KEK } from './env';
export { loadConfig, loadProviders, loadClients, type LoadResult } from './loader';
export { displayPath, ID_PATTERN } from './files';
export { CLIENT_DEFAULTS } from './schema/client.schema';
export { DEFAULT_PROVIDER_SCOPES } from './schema/provider.schema';
