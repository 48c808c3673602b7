import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Clock } from '../common';
import { SessionService } from '../sessions/sessions.module';
import { RefreshTokens, RevocationFeed } from '../tokens/tokens.module';

/** How long a `session` revocation is kept: the longest access or ID token lifetime a client may set (1 h). */
const SESSION_REVOCATION_SECONDS = 3600;

/**
 * Wires the end of a broker session to tokens/ (sessions/ and tokens/ may not import each other,
 * DESIGN.md §2): inside the transaction that ends a session, every session-bound refresh family
 * of it is revoked and a `session` revocation is published (DESIGN.md §6: they live and die with
 * the session; one transaction, so a theft ends session and families together); after the commit
 * this instance reads the stream at once.
 */
@Injectable()
export class SessionRevocationBridge implements OnModuleInit {
  constructor(
    @Inject(SessionService) private readonly sessions: SessionService,
    @Inject(RefreshTokens) private readonly refreshTokens: RefreshTokens,
    @Inject(RevocationFeed) private readonly feed: RevocationFeed,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.sessions.onEnding(async (report, manager) => {
      await this.refreshTokens.revokeForSession(report.sid, `session_${report.reason}`, manager);
      await this.feed.publish(
        { kind: 'session', subject: report.sid, principalId: report.principalId, data: { reason: report.reason }, expiresAt: new Date(this.clock.now().getTime() + SESSION_REVOCATION_SECONDS * 1000) },
        manager,
      );
    });
    this.sessions.onEnded(async () => this.feed.catchUp());
  }
}
