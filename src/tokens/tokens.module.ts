import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { KeyStore } from './key-store.service';
import { TokenService } from './token.service';
import { SigningKeyEntity } from './signing-key.entity';
import { CodeIssuanceEntity, RefreshFamilyEntity, RefreshTokenEntity, RevocationEntity } from './refresh-token.entity';
import { RefreshTokens } from './refresh-tokens.service';
import { RevocationFeed } from './revocation-feed.service';
import { RevocationFeedStatus, RevocationPublisher } from './revocation.types';

/** The entities tokens/ owns, registered by the composition root's DataSource. */
export const TOKENS_ENTITIES = [SigningKeyEntity, RefreshFamilyEntity, RefreshTokenEntity, RevocationEntity, CodeIssuanceEntity];

/**
 * Signing keys, token minting, refresh-token families, and revocation with its propagation
 * (DESIGN.md §2, §6). Settings (`KEY_STORE_SETTINGS`, `TOKEN_SETTINGS`, `REVOCATION_SETTINGS`) and
 * `Clock`/`Random` are provided globally by the application module. Exports {@link KeyStore},
 * {@link TokenService}, {@link RefreshTokens}, {@link RevocationFeed}, and the ports
 * {@link RevocationPublisher} (other modules publish their own event kinds) and
 * {@link RevocationFeedStatus} (readiness and metrics).
 */
@Module({
  imports: [AuditModule],
  providers: [
    KeyStore,
    TokenService,
    RevocationFeed,
    RefreshTokens,
    { provide: RevocationPublisher, useExisting: RevocationFeed },
    { provide: RevocationFeedStatus, useExisting: RevocationFeed },
  ],
  exports: [KeyStore, TokenService, RevocationFeed, RefreshTokens, RevocationPublisher, RevocationFeedStatus],
})
export class TokensModule {}

export { KeyStore, KEY_STORE_SETTINGS, JWKS_MAX_AGE_SECONDS, PRE_PUBLICATION_SECONDS, RETIRED_PUBLICATION_SECONDS, SIGNING_ALGS, type SigningAlg, type KeyStoreSettings } from './key-store.service';
export { TokenService, TOKEN_SETTINGS, BACKCHANNEL_LOGOUT_EVENT, type TokenSettings, type AccessTokenClaims, type LogoutTokenInput, type IdTokenHint } from './token.service';
export { RefreshTokens, type RefreshFamily, type RefreshResult, type NewFamily, type RefreshTokenInfo } from './refresh-tokens.service';
export { RevocationFeed, REVOCATION_CHANNEL, REVOCATION_LOOKBACK_SECONDS, type DenyQuery } from './revocation-feed.service';
export {
  RevocationPublisher,
  RevocationFeedStatus,
  REVOCATION_SETTINGS,
  DEFAULT_REVOCATION_SETTINGS,
  revocationSettings,
  type RevocationSettings,
  type RevocationInput,
  type RevocationEvent,
  type CoreRevocationKind,
} from './revocation.types';
export { familyLifetime, isRefreshTokenShape, GRACE_SECONDS, OFFLINE_LIFETIME, MAX_GRACE_REPLAYS } from './refresh.rules';
