import { BrokerError } from '../../../src/common';
import { selectProvider } from '../../../src/login/select-provider.rules';
import type { ProviderConfig } from '../../../src/config/types';
import { providerConfig, providerMap } from '../builders';

const acme = providerConfig('acme', ['acme.example', 'Acme-Corp.Example']);
const globex = providerConfig('globex', ['globex.example']);
const shared1 = providerConfig('shared-1', ['shared.example']);
const shared2 = providerConfig('shared-2', ['SHARED.example']);
const social = providerConfig('social');

const MANY = providerMap(acme, globex, social);
const SHARED = providerMap(shared1, shared2, social);
const ONE = providerMap(acme);
const ONE_SHARED = providerMap(shared1, shared2);

type Request = { idpHint?: string; loginHint?: string; prompt?: string };

describe('selectProvider: idp_hint, home-realm discovery, single-provider fallback (DESIGN.md §1 step 2)', () => {
  it.each<[string, ReadonlyMap<string, ProviderConfig>, Request, string | undefined]>([
    ['DESIGN.md §1 step 2: idp_hint names a provider → that one', MANY, { idpHint: 'globex' }, 'globex'],
    ['DESIGN.md §1 step 2: idp_hint wins over a login_hint of another realm', MANY, { idpHint: 'social', loginHint: 'pat@acme.example' }, 'social'],
    ['DESIGN.md §1 step 2: idp_hint with one provider configured', ONE, { idpHint: 'acme' }, 'acme'],
    ['DESIGN.md §1 step 2: login_hint domain matches one provider', MANY, { loginHint: 'pat@acme.example' }, 'acme'],
    ['DESIGN.md §1 step 2: login_hint domain compared case-insensitively (hint in upper case)', MANY, { loginHint: 'Pat@ACME.Example' }, 'acme'],
    ['DESIGN.md §1 step 2: login_hint domain compared case-insensitively (configured in mixed case)', MANY, { loginHint: 'pat@acme-corp.example' }, 'acme'],
    ['DESIGN.md §1 step 2: the last "@" separates the domain', MANY, { loginHint: '"pat@home"@globex.example' }, 'globex'],
    ['DESIGN.md §1 step 2: subdomain is not the listed domain → chooser', MANY, { loginHint: 'pat@eu.acme.example' }, undefined],
    ['DESIGN.md §1 step 2: unknown domain → chooser', MANY, { loginHint: 'pat@initech.example' }, undefined],
    ['DESIGN.md §1 step 2: domain listed by two providers → no choice by domain (chooser)', SHARED, { loginHint: 'pat@shared.example' }, undefined],
    ['DESIGN.md §1 step 2: domain listed by the only two providers → still no choice', ONE_SHARED, { loginHint: 'pat@shared.example' }, undefined],
    ['DESIGN.md §1 step 2: login_hint without "@" → chooser', MANY, { loginHint: 'acme.example' }, undefined],
    ['DESIGN.md §1 step 2: login_hint with empty local part is not an email → chooser', MANY, { loginHint: '@acme.example' }, undefined],
    ['DESIGN.md §1 step 2: login_hint with empty domain → chooser', MANY, { loginHint: 'pat@' }, undefined],
    ['DESIGN.md §1 step 2: empty login_hint → chooser', MANY, { loginHint: '' }, undefined],
    ['DESIGN.md §1 step 2: no hints, several providers → chooser', MANY, {}, undefined],
    ['DESIGN.md §1 step 2: no hints, exactly one provider → that one', ONE, {}, 'acme'],
    ['DESIGN.md §1 step 2: login_hint of another realm, exactly one provider → that one', ONE, { loginHint: 'pat@globex.example' }, 'acme'],
    ['DESIGN.md §1 step 2: login_hint without "@", exactly one provider → that one', ONE, { loginHint: 'pat' }, 'acme'],
    ['DESIGN.md §1 step 2: no providers configured → undefined', providerMap(), {}, undefined],
    ['OIDC Core §3.1.2.1: prompt=select_account shows the chooser even when home realm would decide', MANY, { loginHint: 'pat@acme.example', prompt: 'select_account' }, undefined],
    ['OIDC Core §3.1.2.1: prompt=select_account with idp_hint keeps the app’s choice', MANY, { idpHint: 'globex', prompt: 'login select_account' }, 'globex'],
    ['OIDC Core §3.1.2.1: prompt=select_account with one provider has nothing to choose', ONE, { prompt: 'select_account' }, 'acme'],
  ])('%s', (_title, providers, request, expectedId) => {
    expect(selectProvider(providers, request)?.id).toBe(expectedId);
  });

  it.each<[string, ReadonlyMap<string, ProviderConfig>, Request]>([
    ['DESIGN.md §1 step 2: unknown idp_hint is an error, not a fallback', MANY, { idpHint: 'initech' }],
    ['DESIGN.md §1 step 2: unknown idp_hint even with one provider configured', ONE, { idpHint: 'globex' }],
    ['DESIGN.md §1 step 2: unknown idp_hint even when login_hint would match', MANY, { idpHint: 'initech', loginHint: 'pat@acme.example' }],
    ['DESIGN.md §1 step 2: idp_hint is case-sensitive (provider ids are file stems)', MANY, { idpHint: 'ACME' }],
    ['DESIGN.md §1 step 2: empty idp_hint', MANY, { idpHint: '' }],
  ])('%s → BrokerError login.provider_unknown', (_title, providers, request) => {
    let thrown: unknown;
    try {
      selectProvider(providers, request);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(BrokerError);
    expect(thrown).toMatchObject({ code: 'login.provider_unknown', oauthError: 'invalid_request', status: 400 });
  });
});
