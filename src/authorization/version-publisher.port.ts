/**
 * Where authorization announces a principal's new authorization version (issue 11 item 8), so
 * resource servers can refuse tokens that carry an older one. The composition root binds it to
 * the revocation stream once that exists; until then {@link NoVersionPublisher} drops the news
 * (every evaluation reads the database, so Tessera itself never needs it).
 */
export abstract class AuthorizationVersionPublisher {
  /** Called after the change committed. Must not throw for a delivery problem it can retry. */
  abstract published(principalId: string, version: number): Promise<void>;
}

/** The default: nothing to publish to yet. */
export class NoVersionPublisher extends AuthorizationVersionPublisher {
  async published(): Promise<void> {}
}
