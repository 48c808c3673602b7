import { All, Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { constantTimeEqual, refuseMethod, sha256 } from '../common';
import { TesseraMetrics } from './metrics';
import { OBSERVABILITY_SETTINGS, type ObservabilitySettings } from './observability.settings';

/**
 * `GET /metrics`: Prometheus text exposition of every worker's metrics summed. With
 * `TESSERA_METRICS_TOKEN` set, only for `Authorization: Bearer <token>` (compared in constant
 * time over SHA-256 hashes), else 401 with a Bearer challenge (RFC 6750 §3).
 */
@Controller('metrics')
export class MetricsController {
  constructor(
    @Inject(TesseraMetrics) private readonly metrics: TesseraMetrics,
    @Inject(OBSERVABILITY_SETTINGS) private readonly settings: ObservabilitySettings,
  ) {}

  @Get()
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (this.settings.metricsTokenHash !== undefined) {
      const m = /^Bearer ([\x21-\x7e]+)$/.exec(req.headers.authorization ?? '');
      if (!m || !constantTimeEqual(sha256(m[1]), this.settings.metricsTokenHash)) {
        res.status(401).setHeader('WWW-Authenticate', 'Bearer realm="metrics"').type('text/plain').send('unauthorized\n');
        return;
      }
    }
    const { contentType, body } = await this.metrics.scrape();
    res.status(200).setHeader('Content-Type', contentType).send(body);
  }

  /** Any other method: 405 with `Allow: GET` (RFC 9110 §15.5.6). */
  @All()
  otherMethods(@Res() res: Response): never {
    refuseMethod(res, ['GET']);
  }
}
