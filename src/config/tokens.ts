/**
 * Injection token under which {@link ConfigModule.forRoot} provides the validated
 * {@link TesseraConfig}. A string (not a Symbol) so that two copies of this file
 * (compiled and test sources) still agree on the token.
 *
 * Usage: `constructor(@Inject(TESSERA_CONFIG) private readonly config: TesseraConfig) {}`
 */
export const TESSERA_CONFIG = 'TESSERA_CONFIG';
