import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.module';
import { BrokerError, Clock, ErrorCodes, constantTimeEqual, randomToken, sha256 } from '../common';
import { TESSERA_CONFIG } from '../config';
import type { TesseraConfig } from '../config';
import type { AuthorizationRequest, LoginOutcome } from '../login/login.module';
import { ExpirySweeper } from '../database';
import { AuthorizationCodeEntity } from './authorization-code.entity';

/** What redeeming a code yields. Times in seconds. */
export interface RedeemedCode {
  principalId: string;
  providerId: string;
  scope: string;
  nonce?: string;
  authTime?: number;
  acr?: string;
  amr?: string[];
}

/** What the token request presents with a code (RFC 6749 §4.1.3, RFC 7636 §4.5). */
export interface RedeemRequest {
  code: string;
  clientId: string;
  redirectUri: unknown;
  codeVerifier: unknown;
}

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/; // RFC 7636 §4.1

/**
 * Authorization codes (RFC 6749 §4.1.2): 256-bit random, stored as SHA-256, single use, short
 * lived (TESSERA_CODE_TTL_SECONDS). Redemption is one conditional UPDATE, so two instances racing
 * on one code produce one winner (DESIGN.md §8).
 */
@Injectable()
export class AuthorizationCodes {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(ExpirySweeper) sweeper: ExpirySweeper,
  ) {
    // Kept an hour past expiry, so a replayed code is still recognised and audited as reuse.
    sweeper.register({ table: 'authorization_codes', column: 'expires_at', graceSeconds: 3600 });
  }

  /** Issues a code for a successful login. @returns the code (only ever in the redirect). */
  async issue(request: AuthorizationRequest, outcome: Extract<LoginOutcome, { ok: true }>): Promise<string> {
    const code = randomToken(32);
    const now = this.clock.now();
    await this.dataSource.getRepository(AuthorizationCodeEntity).insert({
      codeHash: sha256(code),
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      principalId: outcome.principalId,
      providerId: outcome.providerId,
      scope: request.scope,
      nonce: request.nonce ?? null,
      codeChallenge: request.codeChallenge ?? null,
      codeChallengeMethod: request.codeChallengeMethod ?? null,
      authTime: outcome.authTime === undefined ? null : new Date(outcome.authTime * 1000),
      acr: outcome.acr ?? null,
      amr: outcome.amr ?? null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.config.env.authorizationCodeTtlSeconds * 1000),
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
    const repo = this.dataSource.getRepository(AuthorizationCodeEntity);
    const code = await repo.findOneBy({ codeHash: hash });
    if (!code || code.clientId !== req.clientId || code.consumedAt || code.expiresAt <= now) throw await this.whyUnusable(hash, req.clientId);
    // Checked before the code is spent: a caller without the right redirect_uri and verifier
    // (an intercepted code) can neither use the code nor burn it for the real client.
    if (typeof req.redirectUri !== 'string' || req.redirectUri !== code.redirectUri) {
      throw new BrokerError(ErrorCodes.codeInvalid, 'redirect_uri differs from the authorization request');
    }
    if (code.codeChallenge) {
      if (typeof req.codeVerifier !== 'string' || !VERIFIER.test(req.codeVerifier)) throw new BrokerError(ErrorCodes.pkceVerifierMismatch, 'code_verifier missing or malformed');
      const computed = createHash('sha256').update(req.codeVerifier, 'ascii').digest('base64url');
      if (!constantTimeEqual(computed, code.codeChallenge)) throw new BrokerError(ErrorCodes.pkceVerifierMismatch, 'code_verifier does not match');
    } else if (req.codeVerifier !== undefined) {
      throw new BrokerError(ErrorCodes.pkceVerifierMismatch, 'code_verifier sent for a code issued without PKCE');
    }
    // One conditional UPDATE spends it: of two racing requests (any instances), one wins.
    const spent = await repo
      .createQueryBuilder()
      .update()
      .set({ consumedAt: now })
      .where('code_hash = :hash AND consumed_at IS NULL AND expires_at > :now', { hash, now })
      .execute();
    if (!spent.affected) throw await this.whyUnusable(hash, req.clientId);
    return {
      principalId: code.principalId,
      providerId: code.providerId,
      scope: code.scope,
      nonce: code.nonce ?? undefined,
      authTime: code.authTime ? Math.floor(code.authTime.getTime() / 1000) : undefined,
      acr: code.acr ?? undefined,
      amr: code.amr ?? undefined,
    };
  }

  private async whyUnusable(hash: string, clientId: string): Promise<BrokerError> {
    const row = await this.dataSource.getRepository(AuthorizationCodeEntity).findOneBy({ codeHash: hash });
    if (!row || row.clientId !== clientId) return new BrokerError(ErrorCodes.codeInvalid, 'unknown code or issued to another client');
    if (row.consumedAt) {
      // RFC 6749 §4.1.2: a reused code is an attack signal. Tokens issued from it become revocable
      // once refresh families and revocation exist; for now the reuse is refused and audited.
      await this.audit.record({ type: 'token.code_reused', outcome: 'failure', reason: ErrorCodes.codeReused, clientId, principalId: row.principalId, providerId: row.providerId });
      return new BrokerError(ErrorCodes.codeReused, 'authorization code already used');
    }
    return new BrokerError(ErrorCodes.codeExpired, 'authorization code expired');
  }
}
