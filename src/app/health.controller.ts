import { All, Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import { refuseMethod } from '../common';
import { DataSource } from 'typeorm';

/** `GET /health`: 200 `{status:"ok"}` when the database answers, 503 otherwise. */
@Controller('health')
export class HealthController {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  @Get()
  async health(): Promise<{ status: string; database: string }> {
    try {
      await this.dataSource.query('SELECT 1');
    } catch {
      throw new ServiceUnavailableException({ status: 'unavailable', database: 'down' });
    }
    return { status: 'ok', database: 'up' };
  }

  /** Any other method: 405 with `Allow: GET` (RFC 9110 §15.5.6). */
  @All()
  otherMethods(@Res() res: Response): never {
    refuseMethod(res, ['GET']);
  }
}
