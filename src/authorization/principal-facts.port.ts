import type { PrincipalFactsV1 } from './authz-input.rules';

/**
 * Where authorization reads the parts of the `tessera.authz/v1` input that federation owns
 * beyond groups and providers: assurance (`aal1`–`aal3`), link state and the attributes a
 * provider file marks `visibleToAuthorization`. The composition root binds it to identity /
 * linking once they expose these; the default says what is known without them: the principal
 * signed in (linked), at the lowest assurance, with no attributes.
 */
export abstract class PrincipalFactsSource {
  /** Extra facts per principal id; absent ids get the defaults of {@link buildAuthzInput}. */
  abstract extraFacts(principalIds: readonly string[]): Promise<Map<string, Pick<PrincipalFactsV1, 'assurance' | 'linkState' | 'attributes'>>>;
}

/** The default source: linked, `aal1`, no attributes. */
export class DefaultPrincipalFacts extends PrincipalFactsSource {
  async extraFacts(principalIds: readonly string[]): Promise<Map<string, Pick<PrincipalFactsV1, 'assurance' | 'linkState' | 'attributes'>>> {
    return new Map(principalIds.map((id) => [id, { assurance: 'aal1', linkState: 'linked', attributes: {} }]));
  }
}
