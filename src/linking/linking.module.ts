import { Module } from '@nestjs/common';
import { FederatedIdentityEntity, PrincipalEntity } from './entities';
import { LinkingService } from './linking.service';
import { PrincipalClaimsReader } from './principal-claims.reader';

/**
 * Principals and federated identities (DESIGN.md §1 step 6). Exports {@link LinkingService}
 * (login/ resolves a login's identity to a principal) and {@link PrincipalClaimsReader} (issuer/
 * reads the claims of a principal for ID tokens and userinfo).
 */
@Module({ providers: [LinkingService, PrincipalClaimsReader], exports: [LinkingService, PrincipalClaimsReader] })
export class LinkingModule {}

/** The entity classes this module owns, for the DataSource's registration (DESIGN.md §2). */
export const LINKING_ENTITIES = [PrincipalEntity, FederatedIdentityEntity];

export { LinkingService, type ResolvedPrincipal } from './linking.service';
export { PrincipalClaimsReader, type PrincipalClaims } from './principal-claims.reader';
export { decideLink, type LinkDecision } from './decide.rules';
