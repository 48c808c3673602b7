import { Logger as NestLogger, ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { migrations } from '../migrations';
import { AppModule, ENTITIES } from './app/app.module';
import type { AuthorizationPort } from './authorization/authorization.module';
import type { Clock, Random } from './common';
import { loadConfig } from './config';
import type { TesseraConfig } from './config';
import { openDatabase, runMigrations } from './database';
import { readableLogDestination } from './app/logging';
import { loadOpsSettings } from './app/ops-settings';
import { recordProviderSnapshots } from './cli';
import { TesseraMetrics, httpObserver, startTracing } from './observability/observability.module';

/** Options for {@link startTessera}. */
export interface StartOptions {
  /** Environment to read settings from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Called after the Nest app is created and before routes are initialised; may mount extra express routes. */
  beforeInit?: (app: INestApplication) => void | Promise<void>;
  /** Port to listen on; overrides the PORT setting. 0 = ephemeral. */
  port?: number;
  /** Host to bind; default all interfaces. */
  host?: string;
  /** Time source (tests). */
  clock?: Clock;
  /** Randomness source (tests); default node:crypto. */
  random?: Random;
  /** Replaces the default authorization port (tests record what reaches it). */
  authorization?: AuthorizationPort;
  /** Where log lines go (default stdout); tests read them back. */
  logDestination?: DestinationStream;
  /** Span processors for OpenTelemetry (tests: an in-memory exporter); the first start in a process decides. */
  spanProcessors?: SpanProcessor[];
}

/** A running broker. */
export interface RunningTessera {
  app: INestApplication;
  config: TesseraConfig;
  /** Base URL it listens on, e.g. http://127.0.0.1:3000 */
  url: string;
  close(): Promise<void>;
}

/**
 * Loads and validates configuration, opens the database (PostgreSQL or embedded PGlite),
 * applies migrations, and listens for HTTP.
 * @throws ConfigError when the environment or a providers/ or clients/ file is invalid.
 * @throws Error when the database cannot be opened or the signing keys cannot be decrypted.
 */
export async function startTessera(opts: StartOptions = {}): Promise<RunningTessera> {
  const env = opts.env ?? process.env;
  const config = loadConfig(env);
  const ops = loadOpsSettings(env);
  startTracing({ env, ...(opts.spanProcessors ? { spanProcessors: opts.spanProcessors } : {}) });
  const logDestination = opts.logDestination ?? (ops.logFormat === 'pretty' ? readableLogDestination() : undefined);
  const log = new NestLogger('tessera');
  const db = await openDatabase(config.env, ENTITIES, migrations);
  let app: NestExpressApplication | undefined;
  try {
    const applied = await runMigrations(db);
    // What `tessera providers plan` compares the next files with (issue 13 item 8).
    await recordProviderSnapshots(db.dataSource, config.providers.values(), new Date());
    app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ config, dataSource: db.dataSource, clock: opts.clock, random: opts.random, authorization: opts.authorization, logDestination, ops }), {
      bufferLogs: true,
      abortOnError: false,
    });
    app.useLogger(app.get(Logger));
    if (config.env.kekIsDevelopmentDefault) {
      log.warn('TESSERA_KEK is not set: signing keys are encrypted with the PUBLIC DEVELOPMENT KEY. Never run like this in production.');
    }
    if (applied.length) log.log(`applied migrations: ${applied.join(', ')}`);
    for (const w of config.warnings) log.warn(`configuration: ${w.file}: ${w.field}: ${w.reason}`);
    // First in the chain: every request runs in its trace span and is timed by route (issue 13).
    app.use(httpObserver(app.get(TesseraMetrics)));
    app.disable('x-powered-by');
    app.set('query parser', 'simple');
    app.use(cookieParser());
    app.use(securityHeaders(config.env.https));
    // DTOs are validated at the edge (DESIGN.md §9): unknown fields refused; plain-object parameters pass through.
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
    await opts.beforeInit?.(app);
    await app.listen(opts.port ?? config.env.port, opts.host ?? '0.0.0.0');
    const address = app.getHttpServer().address() as { port: number };
    log.log(`Tessera ${config.env.issuer} listening on port ${address.port} (${db.embedded ? `embedded database ${config.env.dataDir}` : 'PostgreSQL'})`);
    const started = app;
    return {
      app: started,
      config,
      url: `http://127.0.0.1:${address.port}`,
      async close() {
        await started.close();
        await db.close();
      },
    };
  } catch (err) {
    await app?.close().catch(() => undefined);
    await db.close();
    throw err;
  }
}

/**
 * Headers on every answer: no framing (clickjacking of login pages), no MIME sniffing, no
 * Referer (login URLs carry codes and state, RFC 9700 §4.2.4), and no caching (answers carry
 * tokens, handles and personal data; RFC 6749 §5.1, OIDC Core §5.3.2) unless a route opts in,
 * as discovery and JWKS do. Over https, HSTS (RFC 6797).
 */
function securityHeaders(https: boolean) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    res.setHeader('Cache-Control', 'no-store');
    if (https) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    next();
  };
}
