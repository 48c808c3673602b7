import { AuthorizationVersionPublisher } from '../authorization/authorization.module';
import type { RevocationPublisher } from '../tokens/tokens.module';

/** How long a version event matters: longer than any access token Tessera mints (seconds). */
const VERSION_EVENT_TTL_SECONDS = 24 * 3600;

/**
 * Binds authorization's version news to the revocation stream (issue 11 item 8, DESIGN.md §6):
 * a binding change is published as kind `authorization.version` with the principal as subject and
 * `data.version`, so a resource server refuses access tokens whose `authz_ver` is older.
 * Lives in the composition root because neither module may import the other's internals.
 */
export class RevocationVersionPublisher extends AuthorizationVersionPublisher {
  constructor(private readonly stream: RevocationPublisher) {
    super();
  }

  /** Publishes one event; a failure is reported to the caller, which logs it (the change itself has committed). */
  async published(principalId: string, version: number): Promise<void> {
    await this.stream.publish({
      kind: 'authorization.version',
      subject: principalId,
      principalId,
      data: { version },
      expiresAt: new Date(Date.now() + VERSION_EVENT_TTL_SECONDS * 1000),
    });
  }
}
