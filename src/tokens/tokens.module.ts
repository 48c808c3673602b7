import { Module } from '@nestjs/common';
import { KeyStore } from './key-store.service';
import { TokenService } from './token.service';
import { SigningKeyEntity } from './signing-key.entity';

/** The entities tokens/ owns, registered by the composition root's DataSource. */
export const TOKENS_ENTITIES = [SigningKeyEntity];

/**
 * Signing keys and token minting. Settings (`KEY_STORE_SETTINGS`, `TOKEN_SETTINGS`) and `Clock`
 * are provided globally by the application module. Exports {@link KeyStore} and {@link TokenService}.
 */
@Module({ providers: [KeyStore, TokenService], exports: [KeyStore, TokenService] })
export class TokensModule {}

export { KeyStore, KEY_STORE_SETTINGS, type SigningAlg, type KeyStoreSettings } from './key-store.service';
export { TokenService, TOKEN_SETTINGS, BACKCHANNEL_LOGOUT_EVENT, type TokenSettings, type AccessTokenClaims, type LogoutTokenInput, type IdTokenHint } from './token.service';
