import { PrincipalFactsSource } from '../authorization/authorization.module';
import type { PrincipalClaimsReader } from '../linking/linking.module';

type Facts = Awaited<ReturnType<PrincipalFactsSource['extraFacts']>>;

/**
 * Binds authorization's `tessera.authz/v1` facts to linking (issue 11 item 2): the link state is
 * read through linking's port (`linked`, or `pending` while an identity waits for review with
 * this principal as candidate). Assurance and `visibleToAuthorization` attributes are facts of a
 * login, not of a principal, and are not stored per principal yet: they keep v1's defaults
 * (`aal1`, none) — the weakest, so a policy can never grant more than was shown.
 * Lives in the composition root because authorization may not import linking.
 */
export class LinkingPrincipalFacts extends PrincipalFactsSource {
  constructor(private readonly principals: PrincipalClaimsReader) {
    super();
  }

  /** One read per principal id; unknown ids get `unlinked`. */
  async extraFacts(principalIds: readonly string[]): Promise<Facts> {
    const out: Facts = new Map();
    for (const id of principalIds) {
      const links = await this.principals.linksOf(id);
      out.set(id, { assurance: 'aal1', linkState: links?.linkState ?? 'unlinked', attributes: {} });
    }
    return out;
  }
}
