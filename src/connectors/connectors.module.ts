import { Module } from '@nestjs/common';
import { UPSTREAM_CONNECTORS } from './connector';
import { ConnectorRegistry } from './connector-registry';
import { OidcConnector } from './oidc/oidc.connector';

/**
 * Upstream protocol adapters, registered by protocol name. A new protocol adds its connector
 * to the factory list below and nothing else. Exports {@link ConnectorRegistry}.
 */
@Module({
  providers: [
    OidcConnector,
    { provide: UPSTREAM_CONNECTORS, useFactory: (oidc: OidcConnector) => [oidc], inject: [OidcConnector] },
    ConnectorRegistry,
  ],
  exports: [ConnectorRegistry],
})
export class ConnectorsModule {}

export { ConnectorRegistry } from './connector-registry';
export type { UpstreamConnector, BeginResult, UpstreamState, CallbackInput } from './connector';
