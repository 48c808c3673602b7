import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { SAML, ValidateInResponseTo, generateServiceProviderMetadata, type Profile } from '@node-saml/node-saml';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
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
  LogoutCapable,
  LogoutReplyCapable,
  UpstreamConnector,
  UpstreamInput,
  UpstreamLogout,
  UpstreamLogoutCapable,
  UpstreamStep,
} from '../connector';
import { logoutRequestFacts, logoutRequestId, logoutResponseSucceeded, readLogoutMessage, type LogoutMessage } from './slo';
import { federationUrl } from '../connector';
import { parseIdpMetadata, type IdpDescription } from './metadata';
import { localIdp, responseSettings, spUrls, toUpstreamAssertion, withInline, type SamlProvider, type SpUrls } from './provider-settings';
import { acquireValidator, type ResponseValidator } from './validator-pool';

/** Where the IdP posts its Response (HTTP-POST binding). */
const ACS = 'acs';
/** Tessera's SP metadata for this provider. */
const METADATA = 'metadata';
/** Single Logout (HTTP-Redirect and HTTP-POST): the IdP's LogoutRequests and its answers to Tessera's. */
const SLO = 'slo';
/** Seconds a handled LogoutRequest ID is remembered (replays refused). */
const LOGOUT_REQUEST_TTL_SECONDS = 15 * 60;
const REDIRECT_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
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
export class SamlConnector implements UpstreamConnector<SamlLoginState>, DocumentCapable, IdpInitiatedCapable, UpstreamLogoutCapable, LogoutCapable, LogoutReplyCapable {
  readonly protocol = 'saml' as const;
  readonly providerId: string;
  readonly endpoints: Readonly<Record<string, EndpointSpec>>;
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
    this.endpoints = {
      [ACS]: { methods: ['POST'], role: 'answer' },
      [METADATA]: { methods: ['GET'], role: 'document' },
      // Single Logout needs Tessera's signing key: every message it sends there is signed.
      ...(provider.saml.spSigningKey ? { [SLO]: { methods: ['GET', 'POST'], role: 'logout' } as EndpointSpec } : {}),
    };
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
    const url = await this.nodeSaml(idp, () => requestId, ctx.forceAuthn === true, ctx.acrValues).getAuthorizeUrlAsync(ctx.handle, undefined, {});
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
    let body = generateServiceProviderMetadata({
      issuer: this.sp.entityId,
      callbackUrl: this.sp.acs,
      ...(SLO in this.endpoints ? { logoutCallbackUrl: this.sp.slo } : {}),
      identifierFormat: s.allowedNameIdFormats[0] ?? null,
      wantAssertionsSigned: s.requireSignedAssertion,
      ...(s.spSigningKey && s.spSigningCertificate ? { privateKey: s.spSigningKey, publicCerts: s.spSigningCertificate } : {}),
      ...(s.spEncryptionCertificates.length > 0 && s.decryptionKeys.length > 0 ? { decryptionPvk: s.decryptionKeys[0], decryptionCert: s.spEncryptionCertificates[0] } : {}),
    });
    if (SLO in this.endpoints) body = withRedirectSlo(body, this.sp.slo);
    return { contentType: 'application/samlmetadata+xml', body };
  }

  /**
   * An IdP-initiated LogoutRequest at `slo` (SAML Core §3.7, Profiles §4.4; B39): one message,
   * signed by one of the provider's pinned keys (required here: node-saml alone accepts an
   * unsigned Redirect-binding message), Issuer and Destination right, exactly one NameID, its ID
   * used once. Matching sessions are those with that exact NameID (and one of the SessionIndex values when any is sent).
   * A LogoutResponse here answers no request of Tessera's (its answers carry their RelayState).
   * @throws BrokerError `saml.logout_*` (nothing ends then).
   */
  async readLogout(endpoint: string, input: UpstreamInput): Promise<UpstreamLogout> {
    if (endpoint !== SLO) throw new BrokerError('login.endpoint_unknown', `SAML connectors take no logout at ${endpoint}`);
    const msg = readLogoutMessage(input);
    if (msg.kind === 'SAMLResponse') throw new BrokerError('saml.logout_unsolicited', 'a LogoutResponse to no logout of Tessera');
    if (!msg.signed) throw new BrokerError('saml.logout_signature_missing', `unsigned ${msg.binding} LogoutRequest`);
    const idp = await this.described();
    const facts = logoutRequestFacts(msg.root, { idpEntityId: idp.entityId, sloUrl: this.sp.slo, nowMs: this.clock.now().getTime(), skewMs: this.provider.saml.clockSkewSeconds * 1000 });
    await this.verifySignature(idp, msg);
    const until = new Date(this.clock.now().getTime() + LOGOUT_REQUEST_TTL_SECONDS * 1000);
    if (!(await this.replay.firstUse('saml.logout_request', `${this.providerId}:${facts.id}`, until))) throw new BrokerError('saml.logout_replayed', `LogoutRequest ${facts.id} replayed`);
    return {
      upstreamLogout: facts.nameId,
      ...(facts.sessionIndexes.length > 0 ? { upstreamSessionIds: facts.sessionIndexes } : {}),
      reply: { requestId: facts.id, relayState: msg.relayState ?? null },
      unmatchedCode: 'saml.logout_session_unknown',
    };
  }

  /**
   * The signed LogoutResponse to an IdP-initiated LogoutRequest (SAML Core §3.7.2), over
   * HTTP-Redirect to the IdP's SingleLogoutService: Success when a session ended, else
   * Requester/UnknownPrincipal. @returns undefined when the IdP publishes no SLO URL.
   */
  async replyLogout(logout: UpstreamLogout, ended: number): Promise<UpstreamStep | undefined> {
    const reply = logout.reply as { requestId: string; relayState: string | null } | undefined;
    const idp = await this.described();
    if (!reply || !idp.sloUrl || !this.provider.saml.spSigningKey) return undefined;
    const url = await this.sloSaml(idp).getLogoutResponseUrlAsync({ ID: reply.requestId } as Profile, reply.relayState ?? '', {}, ended > 0);
    return { kind: 'redirect', url };
  }

  /**
   * SP-initiated Single Logout (SAML Profiles §4.4.3.1): a signed LogoutRequest over
   * HTTP-Redirect naming the NameID exactly as the IdP issued it (value, Format, NameQualifier,
   * SPNameQualifier) and its SessionIndex (B12); RelayState = the logout's handle; its ID derived
   * from the handle, so the answer's InResponseTo is checked without state.
   * @returns undefined when the IdP has no SLO URL, Tessera no signing key, or the session no NameID.
   */
  async beginLogout(ctx: { upstreamSessionId?: string; upstreamLogout?: Record<string, string>; handle: string }): Promise<UpstreamStep | undefined> {
    const n = ctx.upstreamLogout;
    if (!this.provider.saml.spSigningKey || !n?.nameId) return undefined;
    const idp = await this.described();
    if (!idp.sloUrl) return undefined;
    const user = {
      nameID: n.nameId,
      nameIDFormat: n.format,
      ...(n.nameQualifier !== undefined ? { nameQualifier: n.nameQualifier } : {}),
      ...(n.spNameQualifier !== undefined ? { spNameQualifier: n.spNameQualifier } : {}),
      ...(ctx.upstreamSessionId !== undefined ? { sessionIndex: ctx.upstreamSessionId } : {}),
    };
    const url = await this.sloSaml(idp, () => logoutRequestId(ctx.handle)).getLogoutUrlAsync(user as unknown as Profile, ctx.handle, {});
    return { kind: 'redirect', url };
  }

  /** The RelayState of a LogoutResponse at `slo` (the IdP's answer to Tessera's LogoutRequest). */
  logoutReturnHandle(endpoint: string, input: UpstreamInput): string | undefined {
    if (endpoint !== SLO) return undefined;
    const params = input.method === 'GET' ? new URLSearchParams(input.search) : new URLSearchParams(input.body);
    const relay = params.getAll('RelayState');
    return params.getAll('SAMLResponse').length === 1 && relay.length === 1 && relay[0] !== '' ? relay[0] : undefined;
  }

  /**
   * The IdP's LogoutResponse to Tessera's LogoutRequest: signed by a pinned key, InResponseTo =
   * the request sent under `handle`, Issuer and Destination right.
   * @returns whether the IdP reports Success.
   * @throws BrokerError `saml.logout_*`.
   */
  async verifyLogoutReturn(endpoint: string, input: UpstreamInput, handle: string): Promise<boolean> {
    if (endpoint !== SLO) throw new BrokerError('login.endpoint_unknown', `no logout return at ${endpoint}`);
    const msg = readLogoutMessage(input);
    const idp = await this.described();
    const ok = logoutResponseSucceeded(msg.root, { idpEntityId: idp.entityId, sloUrl: this.sp.slo, expectedInResponseTo: logoutRequestId(handle) });
    if (!msg.signed) throw new BrokerError('saml.logout_signature_missing', `unsigned ${msg.binding} LogoutResponse`);
    await this.verifySignature(idp, msg);
    return ok;
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

  /** node-saml checks the signature of a logout message against the pinned keys only. @throws BrokerError `saml.logout_signature_invalid`. */
  private async verifySignature(idp: IdpDescription, msg: LogoutMessage): Promise<void> {
    const saml = this.sloSaml(idp);
    try {
      if (msg.binding === 'redirect') {
        if (msg.kind === 'SAMLRequest') await saml.validateRedirectAsync(msg.container!, msg.signedQuery!);
        else await saml.redirectSignature(msg.container!, msg.signedQuery!);
      } else if (msg.kind === 'SAMLRequest') {
        await saml.validatePostRequestAsync({ SAMLRequest: msg.encoded });
      } else {
        await saml.validatePostResponseAsync({ SAMLResponse: msg.encoded });
      }
    } catch (err) {
      throw new BrokerError('saml.logout_signature_invalid', (err as Error).message);
    }
  }

  /** node-saml for Single Logout: the IdP's keys and entityID, Tessera's signing key (SHA-256). */
  private sloSaml(idp: IdpDescription, generateUniqueId?: () => string): SloSaml {
    const s = this.provider.saml;
    return new SloSaml({
      entryPoint: idp.ssoUrl,
      ...(idp.sloUrl ? { logoutUrl: idp.sloUrl } : {}),
      issuer: this.sp.entityId,
      callbackUrl: this.sp.acs,
      idpCert: idp.signingCertificates,
      idpIssuer: idp.entityId,
      acceptedClockSkewMs: s.clockSkewSeconds * 1000,
      validateInResponseTo: ValidateInResponseTo.never,
      ...(generateUniqueId ? { generateUniqueId } : {}),
      ...(s.spSigningKey ? { privateKey: s.spSigningKey, signatureAlgorithm: 'sha256' as const } : {}),
    });
  }

  /**
   * node-saml for one AuthnRequest. `classRefs`: the upstream AuthnContextClassRefs for the app's
   * acr_values (login/ maps them through the provider's `acrValues:`, B43), sent as
   * `<samlp:RequestedAuthnContext Comparison="exact|minimum">` (SAML Core §3.4.1, §3.3.2.2.1;
   * `saml.authnContextComparison`, default exact); none → no RequestedAuthnContext at all
   * (never node-saml's default PasswordProtectedTransport, which would restrict every login).
   */
  private nodeSaml(idp: IdpDescription, generateUniqueId: () => string, forceAuthn: boolean, classRefs?: readonly string[]): SAML {
    const s = this.provider.saml;
    const requested = classRefs !== undefined && classRefs.length > 0;
    return new SAML({
      entryPoint: idp.ssoUrl,
      issuer: this.sp.entityId,
      callbackUrl: this.sp.acs,
      idpCert: idp.signingCertificates,
      identifierFormat: s.allowedNameIdFormats.length === 1 ? s.allowedNameIdFormats[0] : null,
      disableRequestedAuthnContext: !requested,
      ...(requested ? { authnContext: [...classRefs], racComparison: s.authnContextComparison ?? 'exact' } : {}),
      forceAuthn,
      generateUniqueId,
      validateInResponseTo: ValidateInResponseTo.never,
      ...(s.signAuthnRequests && s.spSigningKey ? { privateKey: s.spSigningKey, signatureAlgorithm: 'sha256' as const } : {}),
    });
  }
}

/** Adds an HTTP-Redirect SingleLogoutService beside node-saml's HTTP-POST one (SAML Metadata §2.2.2). */
function withRedirectSlo(xml: string, location: string): string {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const post = doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:metadata', 'SingleLogoutService')[0];
  if (!post || !post.parentNode) return xml;
  const redirect = post.cloneNode(false) as unknown as Element;
  redirect.setAttribute('Binding', REDIRECT_BINDING);
  redirect.setAttribute('Location', location);
  post.parentNode.insertBefore(redirect as never, post);
  return new XMLSerializer().serializeToString(doc);
}

/**
 * node-saml with its Redirect-binding signature check reachable on its own: a LogoutResponse
 * whose status is not Success is still verified (validateRedirectAsync stops at the status first).
 * Callers require the Signature parameter themselves (node-saml passes a message without one, B39).
 */
class SloSaml extends SAML {
  /** @throws Error when the query signature does not verify against the pinned keys. */
  async redirectSignature(container: Record<string, string>, signedQuery: string): Promise<void> {
    await this.hasValidSignatureForRedirect(container as never, signedQuery);
  }
}
