import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditSink } from '../audit/audit.module';
import { BrokerError, Clock, ErrorCodes, Random, sha256 } from '../common';
import { ExpirySweeper, claimOnce } from '../database';
import type { AuthorizationRequest, LoginGrant } from '../login/login.module';
import { AuthorizationCodeEntity } from './authorization-code.entity';
import { ISSUER_SETTINGS, type IssuerSettings } from './issuer.settings';
import { isPkceValue, s256Challenge, verifierMatches } from './pkce.rules';

/** What redeeming a code yields: the login's grant, unchanged, and the request's scope and nonce. */
export interface RedeemedCode {
  grant: LoginGrant;
  scope: string;
  nonce?: string;
}

/** What the token request presents with a code (RFC 6749 §4.1.3, RFC 7636 §4.5). */
export interface RedeemRequest {
  code: string;
  clientId: string;
  redirectUri: unknown;
  codeVerifier: unknown;
}

/**
 * Authorization codes (RFC 6749 §4.1.2): 256-bit random, stored as SHA-256, single use, short
 * lived (TESSERA_CODE_TTL_SECONDS), carrying the login's grant. Redemption spends the code with
 * `claimOnce`, so two instances racing on one code produce one winner (DESIGN.md §8).
 */
@Injectable()
export class AuthorizationCodes {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(Random) private readonly random: Random,
    @Inject(ISSUER_SETTINGS) private readonly settings: IssuerSettings,
    @Inject(AuditSink) private readonly audit: AuditSink,
    @Inject(ExpirySweeper) sweeper: ExpirySweeper,
  ) {
    // Kept an hour past expiry, so a replayed code is still recognised and audited as reuse.
    sweeper.register({ table: 'authorization_codes', column: 'expires_at', graceSeconds: 3600 });
  }

  /** Issues a code for a granted login. @returns the code (only ever in the redirect). */
  async issue(request: AuthorizationRequest, grant: LoginGrant): Promise<string> {
    const code = this.random.token(32);
    const now = this.clock.now();
    await this.repo().insert({
      codeHash: sha256(code),
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      principalId: grant.principalId,
      providerId: grant.providerId,
      scope: request.scope,
      nonce: request.nonce ?? null,
      codeChallenge: request.codeChallenge ?? null,
      codeChallengeMethod: request.codeChallengeMethod ?? null,
      grant,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.settings.authorizationCodeTtlSeconds * 1000),
      consumedAt: null,
    });
    return code;
  }

  /**
   * Redeems a code for an authenticated client. Checks, in the order of RFC 6749 §4.1.3 and
   * RFC 7636 §4.6: the code exists, is unused and unexpired, was issued to this client, the
   * redirect_uri is the same string, and the code_verifier matches the S256 challenge — all
   * before the code is spent. A code sent without a challenge at authorize must not come with a
   * verifier (PKCE downgrade, RFC 9700 §4.8.2).
   * @throws BrokerError `token.code_invalid`, `token.code_reused`, `token.code_expired`,
   *   `token.pkce_mismatch` — all OAuth `invalid_grant`.
   */
  async redeem(req: RedeemRequest): Promise<RedeemedCode> {
    const hash = sha256(req.code);
    const now = this.clock.now();
    // The usual case in one statement (issue 13 item 7): every check above is a condition of the
    // claim, so the code is spent only by a request that passes them all. Anything else — or a
    // lost race — takes the step-by-step path below, which names the reason.
    const { redirectUri, codeVerifier } = req;
    if (typeof redirectUri === 'string' && (codeVerifier === undefined || isPkceValue(codeVerifier))) {
      const spent = await claimOnce(
        this.dataSource,
        AuthorizationCodeEntity,
        { consumedAt: now },
        `code_hash = :hash AND client_id = :clientId AND redirect_uri = :redirectUri AND ${codeVerifier === undefined ? 'code_challenge IS NULL' : 'code_challenge = :challenge'} AND consumed_at IS NULL AND expires_at > :now`,
        { hash, clientId: req.clientId, redirectUri, now, ...(codeVerifier === undefined ? {} : { challenge: s256Challenge(codeVerifier) }) },
      );
      if (spent) return { grant: spent.grant, scope: spent.scope, nonce: spent.nonce ?? undefined };
    }
    const code = await this.repo().findOneBy({ codeHash: hash });
    if (!code || code.clientId !== req.clientId || code.consumedAt || code.expiresAt <= now) throw await this.whyUnusable(hash, req.clientId);
    // Checked before the code is spent: a caller without the right redirect_uri and verifier
    // (an intercepted code) can neither use the code nor burn it for the real client.
    if (typeof req.redirectUri !== 'string' || req.redirectUri !== code.redirectUri) {
      throw new BrokerError(ErrorCodes.codeInvalid, 'redirect_uri differs from the authorization request');
    }
    if (code.codeChallenge) {
      if (!isPkceValue(req.codeVerifier)) throw new BrokerError(ErrorCodes.pkceVerifierMismatch, 'code_verifier missing or malformed');
      if (!verifierMatches(req.codeVerifier, code.codeChallenge)) throw new BrokerError(ErrorCodes.pkceVerifierMismatch, 'code_verifier does not match');
    } else if (req.codeVerifier !== undefined) {
      throw new BrokerError(ErrorCodes.pkceVerifierMismatch, 'code_verifier sent for a code issued without PKCE');
    }
    const spent = await claimOnce(this.dataSource, AuthorizationCodeEntity, { consumedAt: now }, 'code_hash = :hash AND consumed_at IS NULL AND expires_at > :now', { hash, now });
    if (!spent) throw await this.whyUnusable(hash, req.clientId);
    return { grant: spent.grant, scope: spent.scope, nonce: spent.nonce ?? undefined };
  }

  private async whyUnusable(hash: string, clientId: string): Promise<BrokerError> {
    const row = await this.repo().findOneBy({ codeHash: hash });
    if (!row || row.clientId !== clientId) return new BrokerError(ErrorCodes.codeInvalid, 'unknown code or issued to another client');
    if (row.consumedAt) {
      // RFC 6749 §4.1.2: a reused code is an attack signal. Tokens issued from it become revocable
      // once refresh families and revocation exist; for now the reuse is refused and audited.
      await this.audit.record({ type: 'token.code_reused', outcome: 'failure', reason: ErrorCodes.codeReused, clientId, principalId: row.principalId, providerId: row.providerId });
      return new BrokerError(ErrorCodes.codeReused, 'authorization code already used');
    }
    return new BrokerError(ErrorCodes.codeExpired, 'authorization code expired');
  }

  private repo() {
    return this.dataSource.getRepository(AuthorizationCodeEntity);
  }
}
