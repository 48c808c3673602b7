import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthorizationService } from './authorization.service';
import { AUTHORIZATION_SETTINGS, type AuthorizationSettings } from './authorization.settings';
import { AuthorizationPort } from './authorization.port';
import { AuthzenCallers, NoAuthzenCallers } from './authzen-callers.port';
import { AuthzenController } from './authzen.controller';
import { AUTHORIZATION_ENTITY_LIST } from './entities';
import { DefaultPrincipalFacts, PrincipalFactsSource } from './principal-facts.port';
import { RoleBindingStore } from './role-bindings.store';
import { AuthorizationVersionPublisher, NoVersionPublisher } from './version-publisher.port';

/** What the composition root hands {@link AuthorizationModule.forRoot}. */
export interface AuthorizationOptions {
  settings: AuthorizationSettings;
  /** Replaces the port login/ and issuer/ see (tests record what reaches it); the AuthZEN API keeps the real service. */
  port?: AuthorizationPort;
  /** Modules the composition root lends the port providers below (e.g. tokens/ for callers' access tokens). */
  imports?: DynamicModule['imports'];
  /** Authenticates AuthZEN callers (clients with `authzen: true`); default: nobody. */
  callers?: Provider;
  /** Publishes authorization versions (the revocation stream); default: nowhere. */
  publisher?: Provider;
  /** The federation-owned parts of the v1 input; default: linked, aal1, no attributes. */
  facts?: Provider;
}

/** The entities authorization/ owns (roles, bindings, principal facts), registered by the composition root. */
export const AUTHORIZATION_ENTITIES = AUTHORIZATION_ENTITY_LIST;

/**
 * Authorization (DESIGN.md §2): roles, bindings, Cedar policies, the AuthZEN API. Exports
 * {@link AuthorizationPort} globally (login/ and issuer/ inject it without reaching in), and, for
 * admin/ and cli/, {@link RoleBindingStore} and {@link AuthorizationService}. Imports nothing but
 * the infrastructure; what it needs from other modules comes through its ports
 * ({@link AuthzenCallers}, {@link PrincipalFactsSource}, {@link AuthorizationVersionPublisher}),
 * bound by the composition root.
 */
@Global()
@Module({})
export class AuthorizationModule {
  static forRoot(opts: AuthorizationOptions): DynamicModule {
    return {
      module: AuthorizationModule,
      imports: [AuditModule, ...(opts.imports ?? [])],
      controllers: [AuthzenController],
      providers: [
        { provide: AUTHORIZATION_SETTINGS, useValue: opts.settings },
        opts.callers ?? { provide: AuthzenCallers, useClass: NoAuthzenCallers },
        opts.publisher ?? { provide: AuthorizationVersionPublisher, useClass: NoVersionPublisher },
        opts.facts ?? { provide: PrincipalFactsSource, useClass: DefaultPrincipalFacts },
        RoleBindingStore,
        AuthorizationService,
        opts.port ? { provide: AuthorizationPort, useValue: opts.port } : { provide: AuthorizationPort, useExisting: AuthorizationService },
      ],
      exports: [AuthorizationPort, AuthorizationService, RoleBindingStore],
    };
  }
}

export {
  AuthorizationPort,
  NoRolesAuthorization,
  type AccessRequest,
  type AccessDecision,
  type EvaluationRequest,
  type EvaluationResult,
  type DecisionReason,
  type PrincipalAuthorization,
} from './authorization.port';
export { AuthorizationService, BINDINGS_FILE, type Explanation } from './authorization.service';
export { AUTHORIZATION_SETTINGS, type AuthorizationSettings } from './authorization.settings';
export { AuthzenCallers } from './authzen-callers.port';
export { AuthorizationVersionPublisher } from './version-publisher.port';
export { PrincipalFactsSource, DefaultPrincipalFacts } from './principal-facts.port';
export { NoVersionPublisher } from './version-publisher.port';
export { checkBindingsSeed } from './bindings-file.rules';
export { RoleBindingStore, ROLE_NAME, type RoleView, type BindingView } from './role-bindings.store';
export { loadPolicyDir, formatProblem, type PolicyProblem } from './policy-set';
export { AUTHZ_INPUT_VERSION, type AuthzInputV1 } from './authz-input.rules';
export { AuthzenErrorFilter } from './authzen-error.filter';
