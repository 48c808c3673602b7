import { type INestApplication } from '@nestjs/common';
import { ApplicationConfig, type HttpAdapterHost, type ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { ADMIN_REALM } from './admin-json-error.filter';

/** Where the admin API is documented: the Swagger UI, and the OpenAPI document at `${DOCS_PATH}-json`. */
export const DOCS_PATH = 'docs';

/**
 * The Swagger UI is the one page Tessera serves with script: its own bundle, from this origin
 * only, no inline script. Every other answer keeps `default-src 'none'` (src/bootstrap.ts).
 */
const DOCS_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/** The OpenAPI document's header: the admin API and its bearer token (RFC 6750 §2.1). */
export function adminDocumentConfig(): Omit<OpenAPIObject, 'paths'> {
  return new DocumentBuilder()
    .setTitle('Tessera admin API')
    .setDescription(
      'Administration of a Tessera federation broker. Every request carries `Authorization: Bearer <TESSERA_ADMIN_TOKEN>`; ' +
        'errors are `{ "error", "error_description" }` with the stable code as the description. Without TESSERA_ADMIN_TOKEN this API does not exist.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: `TESSERA_ADMIN_TOKEN (realm "${ADMIN_REALM}")` })
    .build();
}

/**
 * Serves the admin API's documentation (@nestjs/swagger): the UI at `/docs`, the OpenAPI JSON at
 * `/docs-json` (and YAML at `/docs-yaml`), built from the controllers of `include` only.
 *
 * Called while the application initialises (AdminModule.onModuleInit), after Nest has registered
 * its routes and before its not-found handler, so that the documentation exists exactly when the
 * admin module does. SwaggerModule wants the application object; a module sees only the HTTP
 * adapter and the module container, so `app` is that much of it. Tessera sets no global prefix and
 * no versioning, which is what a fresh ApplicationConfig says.
 */
export function mountAdminDocs(host: HttpAdapterHost, modules: ModulesContainer, include: Function[]): void {
  const adapter = host.httpAdapter;
  if (!adapter) return; // an application context without HTTP serves no documentation
  const app = {
    container: { getModules: () => modules, isGlobalModule: () => false },
    config: new ApplicationConfig(),
    getHttpAdapter: () => adapter,
    useStaticAssets: (path: string, options: { prefix: string }) => adapter.useStaticAssets?.(path, options),
  } as unknown as INestApplication;
  adapter.use(`/${DOCS_PATH}`, (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Content-Security-Policy', DOCS_CSP);
    next();
  });
  SwaggerModule.setup(DOCS_PATH, app, () => SwaggerModule.createDocument(app, adminDocumentConfig(), { include }), {
    customSiteTitle: 'Tessera admin API',
  });
}
