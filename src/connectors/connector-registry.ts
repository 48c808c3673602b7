import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common';
import { ReplayCache, RequestIdStore } from '../database';
import type { ProviderConfig } from '../config';
import { UpstreamGrantStore } from './oidc/upstream-grants';
import { UpstreamClientKeyStore } from './oidc/client-keys';
import { CONNECTOR_FACTORIES, CONNECTOR_SETTINGS, type ConnectorContext, type ConnectorFactory, type ConnectorSettings, type UpstreamConnector } from './connector';

/**
 * One connector instance per configured provider, made at start by the factory registered for
 * the provider's protocol (DESIGN.md §9). Per-provider caches (discovery documents, metadata,
 * keys) live in those instances.
 */
@Injectable()
export class ConnectorRegistry {
  private readonly byProvider = new Map<string, UpstreamConnector>();

  /** @throws Error at start when a configured provider's protocol has no factory (a wiring bug, not bad input). */
  constructor(
    @Inject(CONNECTOR_SETTINGS) settings: ConnectorSettings,
    @Inject(CONNECTOR_FACTORIES) factories: ConnectorFactory[],
    @Inject(Clock) clock: Clock,
    @Inject(ReplayCache) replay: ReplayCache,
    @Inject(RequestIdStore) requestIds: RequestIdStore,
    grants: UpstreamGrantStore,
    clientKeys: UpstreamClientKeyStore,
  ) {
    const byProtocol = new Map(factories.map((f) => [f.protocol, f]));
    for (const provider of settings.providers.values()) {
      const factory = byProtocol.get(provider.protocol);
      if (!factory) throw new Error(`no connector factory for protocol ${provider.protocol} (provider ${provider.id})`);
      this.byProvider.set(provider.id, create(factory, provider, { issuer: settings.issuer, clock, replay, requestIds, grants, clientKeys }));
    }
  }

  /** The connector of `providerId`, or undefined for an unknown provider. */
  forProvider(providerId: string): UpstreamConnector | undefined {
    return this.byProvider.get(providerId);
  }
}

function create(factory: ConnectorFactory, provider: ProviderConfig, ctx: ConnectorContext): UpstreamConnector {
  // The registry matched factory.protocol to provider.protocol, so the provider has that protocol's settings.
  return (factory as unknown as { create(p: ProviderConfig, c: ConnectorContext): UpstreamConnector }).create(provider, ctx);
}
