import { Inject, Injectable } from '@nestjs/common';
import { AuditSink } from '../../audit/audit.module';
import { AuthorizationPort } from '../../authorization/authorization.module';
import { BrokerError, Clock, ErrorCodes, Random } from '../../common';
import type { ClientConfig } from '../../config';
import type { UnitOfWork } from '../../database';
import { PrincipalClaimsReader } from '../../linking/linking.module';
import { UpstreamCheck, type LoginGrant } from '../../login/login.module';
import { SessionService } from '../../sessions/sessions.module';
import { GRACE_SECONDS, RefreshTokens, RevocationFeed, TokenService, type RefreshFamily } from '../../tokens/tokens.module';
import { claimsForScope, wantsRoles } from '../claims.rules';
import type { GrantHandler, TokenRequest, TokenResponse } from './grant-handler';

/** Longest refresh token parameter looked at; anything longer is refused before any work. */
const MAX_TOKEN_LENGTH = 512;

/**
 * `grant_type=refresh_token` (RFC 6749 §6, DESIGN.md §6): rotation with a grace window, reuse as
 * theft. Order: the instance must be caught up with the revocation stream (else 503); the family
 * is rotated in one transaction (tokens/ RefreshTokens); a theft revokes the family and, per the
 * client's `refreshReuseScope`, ends the broker session through sessions/ (so back-channel logout
 * goes out) — both in one transaction; then the family's session must still be live (its idle timer is extended), the
 * authorization port is asked again for roles, and the tokens are minted.
 *
 * Every refusal is `token.refresh_invalid` (`invalid_grant`), worded like an unknown token; the
 * reason goes to the audit trail only.
 */
@Injectable()
export class RefreshTokenGrant implements GrantHandler {
  readonly grantType = 'refresh_token';

  constructor(
    @Inject(RefreshTokens) private readonly refreshTokens: RefreshTokens,
    @Inject(RevocationFeed) private readonly feed: RevocationFeed,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(SessionService) private readonly sessions: SessionService,
    @Inject(AuthorizationPort) private readonly authorization: AuthorizationPort,
    @Inject(PrincipalClaimsReader) private readonly principals: PrincipalClaimsReader,
    @Inject(AuditSink) private readonly audit: AuditSink,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(Random) private readonly random: Random,
    @Inject(UpstreamCheck) private readonly upstream: UpstreamCheck,
  ) {}

  async handle({ client, params }: TokenRequest): Promise<TokenResponse> {
    const presented = params.refresh_token;
    if (!presented) throw new BrokerError(ErrorCodes.requestInvalid, 'refresh_token is required');
    this.feed.assertCaughtUp();
    if (presented.length > MAX_TOKEN_LENGTH) return this.refuse(client, 'malformed');
    const jti = this.random.token(16);
    const exp = this.clock.nowSeconds() + client.accessTokenLifetimeSeconds;
    const grace = Math.min(Math.max(client.refreshTokenGraceSeconds ?? GRACE_SECONDS.default, GRACE_SECONDS.min), GRACE_SECONDS.max);
    let result;
    try {
      result = await this.refreshTokens.refresh({ token: presented, clientId: client.id, graceSeconds: grace, access: { jti, exp }, onTheft: (family, uow) => this.endSessionForTheft(client, family, uow) });
    } catch (cause) {
      // The rotation is one transaction, and so is a theft's revocation with its session's end:
      // a failed database (or a failed session end) left nothing half-written.
      throw new BrokerError('revocation.store_unavailable', 'refresh failed in the database', { cause });
    }
    if (result.kind === 'invalid') return this.refuse(client, 'unknown');
    if (result.kind === 'theft') {
      await this.auditTheft(client, result.family);
      return this.refuse(client, 'reused', result.family);
    }
    const family = result.family;
    const grant = family.grant as unknown as LoginGrant;
    // The deny set: a revocation another instance published (session, principal not-before).
    if (this.feed.isRevoked({ familyId: family.id, ...(family.offline ? {} : { sid: family.sessionId }), sub: family.principalId, iat: family.createdAt })) {
      return this.refuse(client, 'revoked', family);
    }
    // Session-bound families live and die with the broker session, and extend its idle timer.
    if (!family.offline && (family.sessionId === undefined || !(await this.sessions.touch(family.sessionId)))) {
      await this.refreshTokens.revokeFamily(family.id, 'session_ended');
      return this.refuse(client, 'session_ended', family);
    }
    if (!(await this.upstreamStillValid(family))) {
      await this.refreshTokens.revokeFamily(family.id, 'upstream_invalid');
      return this.refuse(client, 'upstream_invalid', family);
    }
    const decision = await this.authorization.decide({ principalId: family.principalId, clientId: client.id, providerId: grant.providerId, groups: grant.groups ?? [] });
    if (!decision.allowed) {
      await this.refreshTokens.revokeFamily(family.id, 'authorization_denied');
      return this.refuse(client, 'authorization_denied', family);
    }
    const scope = narrowedScope(family.scope, params.scope);
    const sid = family.offline ? undefined : family.sessionId;
    // Roles re-evaluated now, carried only for clients that ask for them (issue 11 item 6); the
    // authorization version as it is now (issue 11 item 8).
    const roles = wantsRoles(client, scope) ? decision.roles : undefined;
    const version = decision.version ?? (await this.authorization.describe(family.principalId)).version;
    const access = await this.tokens.mintAccessToken({
      sub: family.principalId,
      clientId: client.id,
      scope,
      authTime: grant.authTime,
      acr: grant.acr,
      amr: grant.amr,
      roles,
      authzVersion: version,
      sid,
      jti,
      lifetimeSeconds: client.accessTokenLifetimeSeconds,
    });
    let idToken: string | undefined;
    if (client.idTokenOnRefresh && scope.split(' ').includes('openid')) {
      const profile = await this.principals.claimsFor(family.principalId);
      if (!profile) return this.refuse(client, 'principal_gone', family);
      idToken = await this.tokens.mintIdToken({
        sub: family.principalId,
        clientId: client.id,
        alg: client.idTokenSignedResponseAlg,
        authTime: grant.authTime,
        acr: grant.acr,
        amr: grant.amr,
        accessToken: access.token,
        claims: { ...claimsForScope(profile, scope), ...(roles ? { roles } : {}) },
        sid,
        lifetimeSeconds: client.idTokenLifetimeSeconds,
      });
    }
    await this.audit.record({
      type: 'token.issued',
      outcome: 'success',
      clientId: client.id,
      principalId: family.principalId,
      providerId: grant.providerId,
      details: { jti: access.jti, grant_type: this.grantType, family: family.id, generation: result.generation, grace_replay: result.kind === 'grace' },
    });
    return { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, refresh_token: result.token, scope, ...(idToken ? { id_token: idToken } : {}) };
  }

  /**
   * The single place for "is the user's session still valid upstream?" (shared/bugs B20): a
   * provider with `revalidateEverySeconds` is asked through login's UpstreamCheck (an upstream
   * refresh at most once per interval, coalesced across instances); others answer yes at once.
   */
  private async upstreamStillValid(family: RefreshFamily): Promise<boolean> {
    const grant = family.grant as Partial<LoginGrant>;
    if (!grant.providerId) return true;
    return this.upstream.stillValid({ providerId: grant.providerId, upstreamSubject: grant.upstreamSubject });
  }

  /**
   * Theft (DESIGN.md §6 "Any other reuse is theft", issue 8 item 4), inside the transaction in
   * which RefreshTokens revokes the family: with `refreshReuseScope: session` (default) the broker
   * session ends too — through sessions/, whose ending revokes every family bound to it and
   * queues the back-channel logout in the same transaction. With `family`, nothing else is
   * touched (shared/bugs B18).
   */
  private async endSessionForTheft(client: ClientConfig, family: RefreshFamily, uow: UnitOfWork): Promise<void> {
    if ((client.refreshReuseScope ?? 'session') === 'session' && family.sessionId !== undefined) await this.sessions.end(family.sessionId, 'theft', uow);
  }

  /** After the theft committed: `token.refresh_reused` (with the scope applied) and `token.revoked`. */
  private async auditTheft(client: ClientConfig, family: RefreshFamily): Promise<void> {
    const scope = client.refreshReuseScope ?? 'session';
    await this.audit.record({
      type: 'token.refresh_reused',
      outcome: 'failure',
      reason: 'token.refresh_reused',
      clientId: client.id,
      principalId: family.principalId,
      details: { family: family.id, scope, ...(family.sessionId ? { sid: family.sessionId } : {}) },
    });
    await this.audit.record({ type: 'token.revoked', outcome: 'info', reason: 'token.refresh_reused', clientId: client.id, principalId: family.principalId, details: { family: family.id } });
  }

  private async refuse(client: ClientConfig, why: string, family?: RefreshFamily): Promise<never> {
    await this.audit.record({
      type: 'token.refused',
      outcome: 'failure',
      reason: 'token.refresh_invalid',
      clientId: client.id,
      ...(family ? { principalId: family.principalId } : {}),
      details: { grant_type: this.grantType, why, ...(family ? { family: family.id } : {}) },
    });
    throw new BrokerError('token.refresh_invalid', `refresh token refused: ${why}`);
  }
}

/**
 * RFC 6749 §6: a refresh may ask for a narrower scope, never a wider one; absent means the
 * family's scope. @throws BrokerError `token.refresh_scope_invalid` for a scope outside the grant.
 */
export function narrowedScope(granted: string, asked: string | undefined): string {
  if (asked === undefined) return granted;
  const allowed = new Set(granted.split(' '));
  const wanted = asked.split(' ').filter((s) => s !== '');
  if (wanted.length === 0 || !wanted.every((s) => allowed.has(s))) throw new BrokerError('token.refresh_scope_invalid', 'scope wider than the grant');
  return [...new Set(wanted)].join(' ');
}
