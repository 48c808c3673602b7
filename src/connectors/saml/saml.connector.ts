import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { SAML, ValidateInResponseTo, generateServiceProviderMetadata } from '@node-saml/node-saml';
import { BrokerError, type Clock } from '../../common';
import type { ReplayCache, RequestIdStore } from '../../database';
import type { UpstreamAssertion } from '../../identity/identity.module';
import type {
  BeginContext,
  BeginResult,
  ConnectorContext,
  ConnectorFactory,
  DocumentCapable,
  EndpointSpec,
  IdpInitiatedCapable,
  UpstreamConnector,
  UpstreamInput,
} from '../connector';
import { federationUrl } from '../connector';
import { parseIdpMetadata, type IdpDescription } from './metadata';
import { localIdp, responseSettings, spUrls, toUpstreamAssertion, withInline, type SamlProvider, type SpUrls } from './provider-settings';
import { acquireValidator, type ResponseValidator } from './validator-pool';

/** Where the IdP posts its Response (HTTP-POST binding). */
const ACS = 'acs';
/** Tessera's SP metadata for this provider. */
const METADATA = 'metadata';
/** A SAMLResponse this large is refused at once, whatever the provider's cap (issue 9 item 8). */
const HARD_CAP_BYTES = 1024 * 1024;
/** Seconds an AuthnRequest ID stays answerable: the login transaction's lifetime at most. */
const REQUEST_ID_TTL_SECONDS = 15 * 60;
/** Seconds a metadata URL fetch may take. */
const FETCH_TIMEOUT_SECONDS = 10;

/** What the SAML connector keeps with the login transaction: the AuthnRequest ID it sent. */
export type SamlLoginState = { requestId: string };

/** Makes one {@link SamlConnector} per `protocol: saml` provider. @throws Error at start when the metadata file is unusable. */
export class SamlConnectorFactory implements ConnectorFactory<'saml'> {
  readonly protocol = 'saml' as const;
  create(provider: SamlProvider, ctx: ConnectorContext): SamlConnector {
    return new SamlConnector(provider, ctx.issuer, ctx.clock, ctx.replay, ctx.requestIds, acquireValidator());
  }
}

/**
 * One upstream SAML 2.0 IdP (Web Browser SSO Profile, SAML Profiles §4.1) over node-saml:
 * AuthnRequest over HTTP-Redirect (signed when `signAuthnRequests`), RelayState = the login
 * transaction handle, Response over HTTP-POST at `acs`, validated by validate-response.ts in the
 * worker pool. The AuthnRequest ID is stored per (provider, ID) in the shared RequestIdStore and
 * consumed once (B01, B02); assertion IDs go to the shared ReplayCache until NotOnOrAfter + skew.
 * IdP-initiated responses are accepted only with `idpInitiated` (IdpInitiatedCapable).
 */
export class SamlConnector implements UpstreamConnector<SamlLoginState>, DocumentCapable, IdpInitiatedCapable {
  readonly protocol = 'saml' as const;
  readonly providerId: string;
  readonly endpoints: Readonly<Record<string, EndpointSpec>> = {
    [ACS]: { methods: ['POST'], role: 'answer' },
    [METADATA]: { methods: ['GET'], role: 'document' },
  };
  private readonly sp: SpUrls;
  private readonly log: Logger;
  private idp?: IdpDescription;
  private fetching?: Promise<IdpDescription>;
  private refreshTimer?: NodeJS.Timeout;

  constructor(
    private readonly provider: SamlProvider,
    private readonly issuer: string,
    private readonly clock: Clock,
    private readonly replay: ReplayCache,
    private readonly requestIds: RequestIdStore,
    private readonly validator: ResponseValidator,
  ) {
    this.providerId = provider.id;
    this.sp = spUrls(issuer, provider);
    this.log = new Logger(`connector.saml.${provider.id}`);
    this.idp = localIdp(provider);
  }

  endpointUrl(name: string): string {
    if (!(name in this.endpoints)) throw new Error(`SAML connectors have no endpoint ${name}`);
    return federationUrl(this.issuer, this.protocol, this.providerId, name);
  }

  /** The AuthnRequest (SAML Core §3.4.1) as an HTTP-Redirect URL; its ID is remembered for (provider, ID). */
  async begin(ctx: BeginContext): Promise<BeginResult<SamlLoginState>> {
    const idp = await this.described();
    const requestId = `_${randomBytes(20).toString('hex')}`;
    await this.requestIds.remember('saml.authn_request', `${this.providerId}:${requestId}`, new Date(this.clock.now().getTime() + REQUEST_ID_TTL_SECONDS * 1000));
    const url = await this.nodeSaml(idp, () => requestId, ctx.forceAuthn === true).getAuthorizeUrlAsync(ctx.handle, undefined, {});
    return { step: { kind: 'redirect', url }, state: { requestId } };
  }

  /** The RelayState of a posted Response (one value, with exactly one SAMLResponse). */
  transactionHandle(endpoint: string, input: UpstreamInput): string | undefined {
    if (endpoint !== ACS || input.method !== 'POST') return undefined;
    const relay = input.body.RelayState;
    return typeof relay === 'string' && relay !== '' && typeof input.body.SAMLResponse === 'string' ? relay : undefined;
  }

  /**
   * Validates a Response to the AuthnRequest in `state`, consumes that request ID and records
   * the assertion ID. @throws BrokerError `saml.*` (see docs/saml.md), `mapping.subject_missing`.
   */
  async complete(endpoint: string, input: UpstreamInput, state: SamlLoginState): Promise<UpstreamAssertion> {
    if (endpoint !== ACS) throw new BrokerError('login.endpoint_unknown', `SAML connectors have no answer endpoint ${endpoint}`);
    const facts = await this.validated(input, state.requestId);
    if (!(await this.requestIds.consume('saml.authn_request', `${this.providerId}:${state.requestId}`))) {
      throw new BrokerError('saml.in_response_to_unknown', 'the AuthnRequest ID was already answered or has expired');
    }
    await this.recordAssertion(facts.id, facts.notOnOrAfterMs);
    return toUpstreamAssertion(this.provider, facts, 'sp');
  }

  /**
   * An IdP-initiated Response (no InResponseTo), validated exactly as strictly; only with
   * `idpInitiated`. A Response naming a request is never downgraded to IdP-initiated.
   * @throws BrokerError `saml.unsolicited_refused`, `saml.in_response_to_unknown`, any `saml.*`.
   */
  async completeUnsolicited(endpoint: string, input: UpstreamInput): Promise<UpstreamAssertion> {
    if (endpoint !== ACS) throw new BrokerError('login.endpoint_unknown', `SAML connectors have no answer endpoint ${endpoint}`);
    if (!this.provider.saml.idpInitiated) throw new BrokerError('saml.unsolicited_refused', 'IdP-initiated login is not enabled for this provider');
    const facts = await this.validated(input, null);
    await this.recordAssertion(facts.id, facts.notOnOrAfterMs);
    return toUpstreamAssertion(this.provider, facts, 'idp');
  }

  /** The client IdP-initiated logins land on (`idpInitiated.client`), or undefined. */
  idpInitiatedClient(): string | undefined {
    return this.provider.saml.idpInitiated?.client;
  }

  /** SP metadata (SAML Metadata §2.4.4): entityID, ACS, signing and encryption certificates. */
  async document(endpoint: string): Promise<{ contentType: string; body: string }> {
    if (endpoint !== METADATA) throw new BrokerError('login.endpoint_unknown', `no document ${endpoint}`);
    const s = this.provider.saml;
    const body = generateServiceProviderMetadata({
      issuer: this.sp.entityId,
      callbackUrl: this.sp.acs,
      identifierFormat: s.allowedNameIdFormats[0] ?? null,
      wantAssertionsSigned: s.requireSignedAssertion,
      ...(s.spSigningKey && s.spSigningCertificate ? { privateKey: s.spSigningKey, publicCerts: s.spSigningCertificate } : {}),
      ...(s.spEncryptionCertificates.length > 0 && s.decryptionKeys.length > 0 ? { decryptionPvk: s.decryptionKeys[0], decryptionCert: s.spEncryptionCertificates[0] } : {}),
    });
    return { contentType: 'application/samlmetadata+xml', body };
  }

  /** Stops the metadata refresh and releases the worker pool. */
  async close(): Promise<void> {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    await this.validator.close();
  }

  private async validated(input: UpstreamInput, expectedInResponseTo: string | null) {
    const response = input.method === 'POST' ? input.body.SAMLResponse : undefined;
    if (typeof response !== 'string' || response === '') throw new BrokerError('saml.response_missing', 'no SAMLResponse');
    if (response.length >= HARD_CAP_BYTES) throw new BrokerError('saml.response_too_large', `${response.length} bytes`);
    const idp = await this.described();
    const verdict = await this.validator.validate(responseSettings(this.provider, this.sp, idp), {
      samlResponse: response,
      encoding: 'base64',
      nowMs: this.clock.now().getTime(),
      expectedInResponseTo,
    });
    if (!verdict.ok) throw new BrokerError(verdict.code, verdict.reason);
    if (expectedInResponseTo === null && !this.provider.saml.idpInitiated) throw new BrokerError('saml.unsolicited_refused', 'IdP-initiated login is not enabled');
    return verdict.facts;
  }

  /** Single use of an assertion ID on every instance, kept until NotOnOrAfter + skew. */
  private async recordAssertion(id: string, notOnOrAfterMs: number): Promise<void> {
    const until = new Date(notOnOrAfterMs + this.provider.saml.clockSkewSeconds * 1000);
    if (!(await this.replay.firstUse('saml.assertion', `${this.providerId}:${id}`, until))) throw new BrokerError('saml.assertion_replayed', `assertion ${id} replayed`);
  }

  /** The IdP description: from the file at start, or from the metadata URL (refreshed; a failed refresh keeps the last good copy). */
  private async described(): Promise<IdpDescription> {
    if (this.idp) return this.idp;
    this.fetching ??= this.fetchMetadata().finally(() => (this.fetching = undefined));
    const idp = await this.fetching;
    this.idp = idp;
    if (!this.refreshTimer) {
      this.refreshTimer = setInterval(() => {
        this.fetchMetadata().then(
          (fresh) => (this.idp = fresh),
          (err: Error) => this.log.warn({ msg: 'metadata refresh failed; keeping the last good copy', providerId: this.providerId, detail: err.message }),
        );
      }, this.provider.saml.metadataRefreshSeconds * 1000);
      this.refreshTimer.unref();
    }
    return idp;
  }

  private async fetchMetadata(): Promise<IdpDescription> {
    const url = this.provider.saml.metadataUrl;
    if (!url) throw new BrokerError('upstream.unreachable', 'no metadata configured');
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_SECONDS * 1000), redirect: 'error' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return withInline(parseIdpMetadata(await res.text(), this.provider.saml.entityId), this.provider.saml);
    } catch (err) {
      throw new BrokerError('upstream.unreachable', `metadata ${url}: ${(err as Error).message}`, { cause: err });
    }
  }

  private nodeSaml(idp: IdpDescription, generateUniqueId: () => string, forceAuthn: boolean): SAML {
    const s = this.provider.saml;
    return new SAML({
      entryPoint: idp.ssoUrl,
      issuer: this.sp.entityId,
      callbackUrl: this.sp.acs,
      idpCert: idp.signingCertificates,
      identifierFormat: s.allowedNameIdFormats.length === 1 ? s.allowedNameIdFormats[0] : null,
      disableRequestedAuthnContext: true,
      forceAuthn,
      generateUniqueId,
      validateInResponseTo: ValidateInResponseTo.never,
      ...(s.signAuthnRequests && s.spSigningKey ? { privateKey: s.spSigningKey, signatureAlgorithm: 'sha256' as const } : {}),
    });
  }
}
