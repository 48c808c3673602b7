import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditSink } from '../audit/audit.module';
import { Clock, Random, sha256, type ErrorCode } from '../common';
import { ConnectorRegistry, isLogoutCapable, type UpstreamInput } from '../connectors/connectors.module';
import { ExpirySweeper, claimOnce } from '../database';
import { UpstreamLogoutEntity } from './upstream-logout.entity';
import { LOGIN_SETTINGS, type LoginSettings } from './types';

/** Seconds a user may take at the IdP's logout page before the way back is forgotten. */
const UPSTREAM_LOGOUT_TTL_SECONDS = 600;

/**
 * Logout continued at the upstream IdP (issue "Broker sessions" item 8): after Tessera ended a
 * broker session by RP-initiated logout, the browser visits the session's IdP to end the
 * upstream session too, when the IdP offers it (its connector is LogoutCapable and says where),
 * and comes back to Tessera before going on to the app. The way back is a row found by the hash
 * of the handle the IdP returns as `state`, used once.
 */
@Injectable()
export class UpstreamLogouts {
  constructor(
    @Inject(LOGIN_SETTINGS) private readonly settings: LoginSettings,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(Random) private readonly random: Random,
    @Inject(ConnectorRegistry) private readonly connectors: ConnectorRegistry,
    @Inject(AuditSink) private readonly audit: AuditSink,
    @Inject(ExpirySweeper) sweeper: ExpirySweeper,
  ) {
    sweeper.register({ table: 'upstream_logouts', column: 'expires_at', graceSeconds: 3600 });
  }

  /**
   * Starts the upstream part of a logout.
   * @param next where the browser goes once the IdP sends it back (already checked by the caller).
   * @returns the URL to send the browser to, or undefined when the provider offers no logout.
   */
  async begin(session: { sid?: string; providerId: string; upstreamSessionId?: string; upstreamLogout?: Record<string, string>; principalId?: string }, next: string): Promise<string | undefined> {
    const connector = this.connectors.forProvider(session.providerId);
    if (!connector || !isLogoutCapable(connector)) return undefined;
    const handle = this.random.token(32);
    let step;
    try {
      step = await connector.beginLogout({ upstreamSessionId: session.upstreamSessionId, upstreamLogout: session.upstreamLogout, handle });
    } catch {
      // The IdP cannot be reached: the broker session is ended already; go on without it.
      await this.audit.record({ type: 'upstream.logout_started', outcome: 'failure', reason: 'upstream.unreachable', providerId: session.providerId, principalId: session.principalId });
      return undefined;
    }
    if (!step || step.kind !== 'redirect') return undefined;
    const now = this.clock.now();
    await this.dataSource.getRepository(UpstreamLogoutEntity).insert({
      id: sha256(handle),
      providerId: session.providerId,
      nextUrl: next,
      createdAt: now,
      expiresAt: new Date(now.getTime() + UPSTREAM_LOGOUT_TTL_SECONDS * 1000),
      consumedAt: null,
    });
    await this.audit.record({ type: 'upstream.logout_started', outcome: 'success', providerId: session.providerId, principalId: session.principalId, details: { sid: session.sid } });
    return step.url;
  }

  /**
   * The browser is back from the IdP's logout (`logout-return` endpoint).
   * @returns where it goes next: the app's post-logout redirect, or Tessera's signed-out page
   *   when the return matches no logout (unknown, used or expired: the user is signed out anyway).
   * @throws BrokerError from the connector's check of the IdP's answer (unsigned, forged, unsolicited).
   */
  async finish(providerId: string, endpoint: string, input: UpstreamInput): Promise<string> {
    const connector = this.connectors.forProvider(providerId);
    const handle = connector && isLogoutCapable(connector) ? connector.logoutReturnHandle(endpoint, input) : undefined;
    if (handle && connector && isLogoutCapable(connector) && connector.verifyLogoutReturn) {
      let completed: boolean;
      try {
        completed = await connector.verifyLogoutReturn(endpoint, input, handle);
      } catch (err) {
        const code = (err as { code?: ErrorCode }).code;
        await this.audit.record({ type: 'upstream.logout_returned', outcome: 'failure', reason: code, providerId });
        throw err;
      }
      if (!completed) await this.audit.record({ type: 'upstream.logout_returned', outcome: 'failure', reason: 'saml.logout_failed', providerId });
    }
    const now = this.clock.now();
    const row = handle
      ? await claimOnce(this.dataSource, UpstreamLogoutEntity, { consumedAt: now }, 'id = :id AND provider_id = :providerId AND consumed_at IS NULL AND expires_at > :now', { id: sha256(handle), providerId, now })
      : undefined;
    await this.audit.record({ type: 'upstream.logout_returned', outcome: row ? 'success' : 'failure', reason: row ? undefined : 'login.transaction_unknown', providerId });
    return row?.nextUrl ?? `${this.settings.issuer}/oauth2/logout/done`;
  }
}
