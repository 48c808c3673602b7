import { Inject, Injectable, Module, type DynamicModule, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { AuditListeners, AuditModule } from '../audit/audit.module';
import { databaseStats } from '../database';
import { auditObserver } from './audit-observer';
import { TesseraMetrics } from './metrics';
import { MetricsController } from './metrics.controller';
import { OBSERVABILITY_SETTINGS, type ObservabilitySettings } from './observability.settings';
import { startRequestSpan } from './tracing';

/** Subscribes the metrics and step spans to the audit trail (one listener for the whole app). */
@Injectable()
class AuditSubscription implements OnModuleInit, OnModuleDestroy {
  private unsubscribe?: () => void;
  constructor(
    @Inject(AuditListeners) private readonly listeners: AuditListeners,
    @Inject(TesseraMetrics) private readonly metrics: TesseraMetrics,
    @Inject(OBSERVABILITY_SETTINGS) private readonly settings: ObservabilitySettings,
  ) {}
  onModuleInit(): void {
    this.unsubscribe = this.listeners.subscribe(auditObserver(this.metrics, (id) => this.settings.providerProtocols[id]));
  }
  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}

/**
 * Metrics (/metrics, prom-client, aggregated across cluster workers), traces (OpenTelemetry) and
 * the HTTP observer (issue 13 items 2, 3, 9). Business metrics and login-step spans come from
 * audit events (AuditListeners), so other modules need no code for them.
 */
@Module({})
export class ObservabilityModule {
  static forRoot(settings: ObservabilitySettings): DynamicModule {
    return {
      module: ObservabilityModule,
      imports: [AuditModule],
      controllers: [MetricsController],
      providers: [
        { provide: OBSERVABILITY_SETTINGS, useValue: settings },
        { provide: TesseraMetrics, useFactory: (ds: DataSource) => new TesseraMetrics(() => databaseStats(ds)), inject: [DataSource] },
        AuditSubscription,
      ],
      exports: [TesseraMetrics],
    };
  }
}

/**
 * Express middleware, first in the chain: runs the request inside its trace span and observes
 * its duration by route pattern (`req.route.path` once Express matched one, else `unmatched`).
 */
export function httpObserver(metrics: TesseraMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    startRequestSpan(
      req.method,
      (finish) =>
        res.once('close', () => {
          const route = typeof req.route?.path === 'string' ? req.route.path : 'unmatched';
          metrics.http.observe({ method: req.method, route, status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
          finish(route, res.statusCode);
        }),
      next,
    );
  };
}

export { TesseraMetrics, serveClusterMetrics, METRICS_REQUEST } from './metrics';
export { startTracing, stopTracing, activeTraceId } from './tracing';
export { OBSERVABILITY_SETTINGS, type ObservabilitySettings } from './observability.settings';
