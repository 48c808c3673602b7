import { Module } from '@nestjs/common';
import { FederatedIdentityEntity, PrincipalEntity } from './entities';
import { LinkingService } from './linking.service';
import { PrincipalClaimsReader } from './principal-claims.reader';
import { LinkLedgerEntity, PendingLinkEntity } from './link-entities';
import { LinkAdmin } from './link-admin.service';
import { LinkConfirmations } from './link-confirm.service';

/**
 * Principals and federated identities (DESIGN.md §1 step 6). Exports {@link LinkingService}
 * (login/ resolves a login's identity to a principal) and {@link PrincipalClaimsReader} (issuer/
 * reads the claims of a principal for ID tokens and userinfo).
 */
@Module({ providers: [LinkingService, PrincipalClaimsReader, LinkAdmin, LinkConfirmations], exports: [LinkingService, PrincipalClaimsReader, LinkAdmin, LinkConfirmations] })
export class LinkingModule {}

/** The entity classes this module owns, for the DataSource's registration (DESIGN.md §2). */
export const LINKING_ENTITIES = [PrincipalEntity, FederatedIdentityEntity, PendingLinkEntity, LinkLedgerEntity];

export { LinkingService, type ResolvedPrincipal, type PendingResolution, type LinkingSettings } from './linking.service';
export { LinkConfirmations, type PendingOrigin } from './link-confirm.service';
export { LinkAdmin, type PrincipalView, type PendingLinkView, type LedgerView } from './link-admin.service';
export { PrincipalClaimsReader, type PrincipalClaims, type PrincipalLinks } from './principal-claims.reader';
export { decideLink, type LinkDecision, type LinkFacts, type LinkPolicy } from './decide.rules';
