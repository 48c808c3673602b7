import { All, Controller, Get, Inject, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AuditSink } from '../audit/audit.module';
import { BrokerError, refuseMethod, singleValued } from '../common';
import { ClientRegistry } from './client-registry';
import { initiateLoginTarget } from './initiate-login.rules';
import { ISSUER_SETTINGS, type IssuerSettings } from './issuer.settings';

/**
 * `GET /login/initiate?client_id=…&target_link_uri=…&login_hint=…`: third-party-initiated login
 * (OIDC Core §4). Sends the browser to the app's registered `initiateLoginUri` with `iss`, so the
 * app starts an ordinary authorization request — an IdP-initiated login lands on an app without
 * an unsolicited code ever being issued.
 */
@Controller('login/initiate')
export class InitiateLoginController {
  constructor(
    @Inject(ISSUER_SETTINGS) private readonly settings: IssuerSettings,
    @Inject(ClientRegistry) private readonly clients: ClientRegistry,
    @Inject(AuditSink) private readonly audit: AuditSink,
  ) {}

  /** @throws BrokerError `client.unknown` (unknown client, or one without initiateLoginUri), `request.parameter_repeated`. */
  @Get()
  async initiate(@Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const params = singleValued(query);
    const client = params.client_id ? this.clients.all.get(params.client_id) : undefined;
    const target = initiateLoginTarget(client, this.settings.issuer, { targetLinkUri: params.target_link_uri, loginHint: params.login_hint });
    if (!target.ok) {
      await this.audit.record({ type: 'login.initiate', outcome: 'failure', reason: 'client.unknown', clientId: client?.id, details: { detail: target.reason } });
      throw new BrokerError('client.unknown', target.reason === 'client_unknown' ? 'unknown client_id' : 'the client registered no initiateLoginUri');
    }
    await this.audit.record({ type: 'login.initiate', outcome: 'success', clientId: client!.id });
    res.redirect(303, target.url);
  }

  /** Any other method: 405 with `Allow: GET` (RFC 9110 §15.5.6). */
  @All()
  otherMethods(@Res() res: Response): never {
    refuseMethod(res, ['GET']);
  }
}
