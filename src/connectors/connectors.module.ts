import { Module } from '@nestjs/common';
import { CONNECTOR_FACTORIES } from './connector';
import { ConnectorRegistry } from './connector-registry';
import { OidcConnectorFactory } from './oidc/oidc.connector';
import { SamlConnectorFactory } from './saml/saml.connector';
import { OAuth2ConnectorFactory } from './oauth2/oauth2.connector';
import { UpstreamClientKeyEntity, UpstreamGrantEntity } from './oidc/upstream-grant.entity';
import { UpstreamGrantStore } from './oidc/upstream-grants';
import { UpstreamClientKeyStore } from './oidc/client-keys';
import { UpstreamRevalidationService } from './oidc/upstream-revalidation.service';

/** Entities of connectors/ (upstream grants for B20, generated private_key_jwt keys). */
export const CONNECTORS_ENTITIES = [UpstreamGrantEntity, UpstreamClientKeyEntity];

/**
 * Upstream protocol plug-ins (DESIGN.md §9). A new protocol is its folder here plus one entry in
 * the factory list below, and its settings schema in config/schema/ (config/ may not import
 * connectors/); the login flow's generic route `federation/:protocol/:provider/:endpoint` and the
 * registry need no change. The settings slice `CONNECTOR_SETTINGS` is provided by the
 * composition root. Exports {@link ConnectorRegistry}.
 */
@Module({
  providers: [{ provide: CONNECTOR_FACTORIES, useValue: [new OidcConnectorFactory(), new SamlConnectorFactory(), new OAuth2ConnectorFactory()] }, ConnectorRegistry, UpstreamGrantStore, UpstreamClientKeyStore, UpstreamRevalidationService],
  exports: [ConnectorRegistry, UpstreamRevalidationService],
})
export class ConnectorsModule {}

export { ConnectorRegistry } from './connector-registry';
export { inspectSamlResponse, type SamlInspection } from './saml/inspect';
export { parseIdpMetadata, type IdpDescription } from './saml/metadata';
export { inspectIdToken, type OidcInspection } from './oidc/inspect';
export { UpstreamRevalidationService, type RevalidationOutcome } from './oidc/upstream-revalidation.service';
export { CONNECTOR_SECRETS, type ConnectorSecrets, type UpstreamGrantRef } from './oidc/upstream-grants';
export {
  CONNECTOR_SETTINGS,
  isDocumentCapable,
  isIdpInitiatedCapable,
  isLogoutCapable,
  isLogoutReplyCapable,
  isUpstreamLogoutCapable,
  type UpstreamLogout,
  type ConnectorSettings,
  type EndpointSpec,
  type JsonValue,
  type UpstreamConnector,
  type UpstreamInput,
  type UpstreamStep,
} from './connector';
