import { Module } from '@nestjs/common';
import { LinkingService } from './linking.service';

/** Principals and federated identities. Exports {@link LinkingService}. */
@Module({ providers: [LinkingService], exports: [LinkingService] })
export class LinkingModule {}

export { LinkingService, type ResolvedPrincipal, type PrincipalProfile } from './linking.service';
export { PrincipalEntity, FederatedIdentityEntity } from './entities';
export { decideLink, type LinkDecision } from './decide.rules';
