import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module';
import { LinkingModule } from '../linking/linking.module';
import { SessionsModule } from '../sessions/sessions.module';
import { TokensModule } from '../tokens/tokens.module';
import { AdminBindingsController } from './admin-bindings.controller';
import { AdminRolesController } from './admin-roles.controller';
import { LoginModule } from '../login/login.module';
import { AdminLinksController } from './admin-links.controller';
import { AdminPrincipalsController } from './admin-principals.controller';
import { AdminTracesController } from './admin-traces.controller';
import { AdminFallbackController, AdminSessionsController } from './admin-sessions.controller';
import { AdminTokenGuard } from './admin-token.guard';
import { mountAdminDocs } from './openapi';

/**
 * The admin API (DESIGN.md §2 `admin/`): today the broker sessions of issue 7 items 4 and 9,
 * under `/admin/v1`, behind `Authorization: Bearer <TESSERA_ADMIN_TOKEN>`, documented with OpenAPI
 * at `/docs` and `/docs-json`. Needs the `ADMIN_SETTINGS` slice; the composition root imports
 * this module only when TESSERA_ADMIN_TOKEN is set, so without it neither the API nor its
 * documentation exists. Exports nothing.
 */
@Module({
  imports: [SessionsModule, AuditModule, LinkingModule, TokensModule, LoginModule],
  // The fallback answers every other /admin path: it must come last.
  controllers: [AdminSessionsController, AdminRolesController, AdminBindingsController, AdminPrincipalsController, AdminLinksController, AdminTracesController, AdminFallbackController],
  providers: [AdminTokenGuard],
})
export class AdminModule implements OnModuleInit {
  constructor(
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
    @Inject(ModulesContainer) private readonly modules: ModulesContainer,
  ) {}

  /** Mounts the OpenAPI documentation of this module's controllers. */
  onModuleInit(): void {
    mountAdminDocs(this.host, this.modules, [AdminModule]);
  }
}

export { ADMIN_SETTINGS, type AdminSettings } from './admin.settings';
export { AdminJsonErrorFilter } from './admin-json-error.filter';
