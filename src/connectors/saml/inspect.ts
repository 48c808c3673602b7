import { BrokerError } from '../../common';
import type { ProviderConfig } from '../../config';
import type { UpstreamAssertion } from '../../identity/identity.module';
import { parseIdpMetadata } from './metadata';
import { localIdp, responseSettings, spUrls, toUpstreamAssertion, withInline, type SamlProvider } from './provider-settings';
import { validateResponse } from './validate-response';

/** The verdict of `tessera inspect saml` (issue 9 item 7), before the identity mapping. */
export type SamlInspection = { verdict: 'accepted'; assertion: UpstreamAssertion } | { verdict: 'rejected'; code: string; reason: string };

/**
 * Judges one SAMLResponse offline, exactly as the ACS would (same validator, same settings),
 * without a database: no replay cache and no request store. `inResponseTo` names the request it
 * answers; without it a response carrying InResponseTo is refused as unknown, and one without is
 * IdP-initiated (refused unless the provider has `idpInitiated`).
 * - `response`: the file's text, the base64 SAMLResponse as posted or the XML itself.
 * @throws Error when the provider is not SAML or its metadata cannot be read (a configuration error).
 */
export async function inspectSamlResponse(req: { provider: ProviderConfig; issuer: string; response: string; atMs: number; inResponseTo?: string }): Promise<SamlInspection> {
  if (req.provider.protocol !== 'saml') throw new Error(`provider ${req.provider.id} is not a SAML provider`);
  const provider = req.provider as SamlProvider;
  let idp = localIdp(provider);
  if (!idp && provider.saml.metadataUrl) {
    const res = await fetch(provider.saml.metadataUrl, { signal: AbortSignal.timeout(10_000), redirect: 'error' });
    if (!res.ok) throw new Error(`metadata ${provider.saml.metadataUrl}: HTTP ${res.status}`);
    idp = withInline(parseIdpMetadata(await res.text(), provider.saml.entityId), provider.saml);
  }
  if (!idp) throw new Error(`provider ${provider.id} describes no IdP`);
  const text = req.response.trim();
  const verdict = await validateResponse(responseSettings(provider, spUrls(req.issuer, provider), idp), {
    samlResponse: text,
    encoding: text.startsWith('<') ? 'xml' : 'base64',
    nowMs: req.atMs,
    expectedInResponseTo: req.inResponseTo ?? null,
  });
  if (!verdict.ok) return { verdict: 'rejected', code: verdict.code, reason: verdict.reason };
  if (req.inResponseTo === undefined && !provider.saml.idpInitiated) {
    return { verdict: 'rejected', code: 'saml.unsolicited_refused', reason: 'IdP-initiated response to a provider without idpInitiated' };
  }
  try {
    return { verdict: 'accepted', assertion: toUpstreamAssertion(provider, verdict.facts, req.inResponseTo === undefined ? 'idp' : 'sp') };
  } catch (e) {
    if (e instanceof BrokerError) return { verdict: 'rejected', code: e.code, reason: e.detail ?? e.message };
    throw e;
  }
}
