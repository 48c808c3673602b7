import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { BrokerError, ErrorCodes } from '../common';
import { TESSERA_CONFIG } from '../config';
import type { TesseraConfig } from '../config';
import { readBinding } from './browser-binding';
import { LoginService } from './login.service';

/**
 * Browser-facing endpoints of the login flow: the upstream OIDC callback (DESIGN.md §1 step 4)
 * and the provider chooser. Errors become pages through the global exception filter.
 */
@Controller()
export class LoginController {
  private readonly secure: boolean;

  constructor(
    @Inject(LoginService) private readonly login: LoginService,
    @Inject(TESSERA_CONFIG) config: TesseraConfig,
  ) {
    this.secure = config.env.issuer.startsWith('https://');
  }

  /** `GET /federation/oidc/:provider/callback`: the upstream OP's authorization response (OIDC Core §3.1.2.5). */
  @Get('federation/oidc/:provider/callback')
  async oidcCallback(@Param('provider') providerId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const url = new URL(req.originalUrl, 'http://callback.invalid');
    const next = await this.login.completeUpstream(providerId, { url, body: {} }, readBinding(req, this.secure));
    res.redirect(303, next);
  }

  /** `GET /login/choose?login=…&provider=…`: the user picked a provider on the chooser page. */
  @Get('login/choose')
  async choose(@Query('login') handle: unknown, @Query('provider') providerId: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (typeof handle !== 'string' || typeof providerId !== 'string') throw new BrokerError(ErrorCodes.requestInvalid, 'login and provider are required');
    const step = await this.login.choose(handle, providerId, readBinding(req, this.secure));
    if (step.kind === 'redirect') res.redirect(303, step.url);
    else res.type('html').send(step.html);
  }
}
