import { Inject, Injectable } from '@nestjs/common';
import { BrokerError } from '../common';
import { UPSTREAM_CONNECTORS, type UpstreamConnector } from './connector';

/** Connectors by protocol name (DESIGN.md §9). */
@Injectable()
export class ConnectorRegistry {
  private readonly byProtocol: ReadonlyMap<string, UpstreamConnector>;

  constructor(@Inject(UPSTREAM_CONNECTORS) connectors: UpstreamConnector[]) {
    this.byProtocol = new Map(connectors.map((c) => [c.protocol, c]));
  }

  /** @throws BrokerError `login.protocol_unsupported` when no connector speaks `protocol`. */
  get(protocol: string): UpstreamConnector {
    const c = this.byProtocol.get(protocol);
    if (!c) throw new BrokerError('login.protocol_unsupported', `no connector for protocol ${protocol}`);
    return c;
  }
}
