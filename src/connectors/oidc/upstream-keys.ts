import * as jose from 'jose';
import type { Clock } from '../../common';

/** Seconds between two JWKS fetches of one provider on one instance, whatever the tokens say (B47). */
export const JWKS_REFETCH_COOLDOWN_SECONDS = 30;

/** Where a key set comes from: a function that fetches the provider's current JWKS (RFC 7517 §5). */
export type JwksSource = () => Promise<jose.JSONWebKeySet>;

/**
 * The signing keys of one upstream provider, for ID tokens, logout tokens and token-exchange
 * subject tokens alike (bugs-log B47):
 * - fetched on first use, then kept;
 * - a token whose `kid` is unknown, or whose known key fails the signature (same kid, new
 *   material), triggers one refetch and one more try;
 * - refetches are single-flight (concurrent logins share one fetch) and rate-limited to one per
 *   {@link JWKS_REFETCH_COOLDOWN_SECONDS} per provider and instance, so random kids cannot make
 *   Tessera hammer the IdP (the first load, which no token can repeat, does not count);
 * - a failed fetch keeps the last good key set (tokens signed with known keys still verify; an
 *   unknown kid fails closed).
 * Key selection and verification are jose's (createLocalJWKSet, jwtVerify).
 */
export class UpstreamKeySet {
  private local?: jose.JWTVerifyGetKey;
  private inFlight?: Promise<boolean>;
  /** When the last refetch caused by a token (not the first load) started, in seconds. */
  private lastFetchAt = Number.NEGATIVE_INFINITY;
  /** How many fetches were started (for tests and metrics). */
  fetches = 0;

  constructor(
    private readonly source: JwksSource,
    private readonly clock: Clock,
    private readonly cooldownSeconds = JWKS_REFETCH_COOLDOWN_SECONDS,
  ) {}

  /**
   * Verifies a JWS-signed JWT with the provider's keys, refetching once as described above.
   * @param options jose verify options (algorithms, audience, clockTolerance, currentDate…).
   * @throws jose errors (JWKSNoMatchingKey, JWSSignatureVerificationFailed, JWTExpired,
   * JWTClaimValidationFailed…), or the fetch error when no key set was ever obtained.
   */
  async verify(token: string, options: jose.JWTVerifyOptions): Promise<jose.JWTVerifyResult> {
    if (!this.local) await this.refresh(true);
    if (!this.local) throw new jose.errors.JWKSNoMatchingKey('no key set');
    try {
      return await jose.jwtVerify(token, this.local, options);
    } catch (err) {
      const retry = err instanceof jose.errors.JWKSNoMatchingKey || err instanceof jose.errors.JWSSignatureVerificationFailed || err instanceof jose.errors.JWKSMultipleMatchingKeys;
      if (!retry || !(await this.refresh(false))) throw err;
      return jose.jwtVerify(token, this.local!, options);
    }
  }

  /**
   * Fetches the key set unless a fetch is running (then waits for it) or one started less than
   * the cooldown ago. @returns true when a fetch completed and replaced the key set.
   */
  private refresh(first: boolean): Promise<boolean> {
    if (this.inFlight) return this.inFlight;
    const now = this.clock.nowSeconds();
    if (!first && now - this.lastFetchAt < this.cooldownSeconds) return Promise.resolve(false);
    if (!first) this.lastFetchAt = now;
    this.fetches += 1;
    this.inFlight = this.source()
      .then((jwks) => {
        if (!jwks || !Array.isArray(jwks.keys)) throw new TypeError('the JWKS has no keys array');
        this.local = jose.createLocalJWKSet(jwks);
        return true;
      })
      .catch((err) => {
        if (!this.local) throw err;
        return false;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
