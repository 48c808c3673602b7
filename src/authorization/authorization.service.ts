import { existsSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { parse as parseYaml } from 'yaml';
import { AuditSink } from '../audit/audit.module';
import { AUTHORIZATION_SETTINGS, type AuthorizationSettings } from './authorization.settings';
import {
  AuthorizationPort,
  type AccessDecision,
  type AccessRequest,
  type EvaluationRequest,
  type EvaluationResult,
  type PrincipalAuthorization,
} from './authorization.port';
import { buildAuthzInput, cedarEntities, PRINCIPAL_TYPE, type AuthzInputV1, type CedarEntity } from './authz-input.rules';
import { checkBindingsSeed } from './bindings-file.rules';
import { applyLogin } from './login-facts.rules';
import { formatProblem, loadPolicyDir, PolicyEngine, type PolicyBundle } from './policy-set';
import { PrincipalFactsSource } from './principal-facts.port';
import { RoleBindingStore, type PrincipalRecord } from './role-bindings.store';

/** The seed file of roles and bindings in policies/. */
export const BINDINGS_FILE = 'bindings.yaml';

/** What `tessera authz explain` shows: the decision, the input and entities Cedar saw, the deciding policies. */
export interface Explanation extends EvaluationResult {
  input?: AuthzInputV1;
  roles: string[];
  entities: CedarEntity[];
  /** Deciding policy id → file. */
  policyFiles: Record<string, string>;
}

/**
 * The authorization module's implementation of {@link AuthorizationPort}: Cedar policies from
 * policies/ (validated at start, preparsed once, reloaded on change keeping the last good set),
 * roles and bindings from the database ({@link RoleBindingStore}), principals as the
 * `tessera.authz/v1` input. Deny by default: an unknown principal, or any failure, is a denial.
 */
@Injectable()
export class AuthorizationService extends AuthorizationPort implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('authorization');
  private readonly engine = new PolicyEngine();
  private watcher?: FSWatcher;
  private reloadTimer?: NodeJS.Timeout;

  constructor(
    @Inject(AUTHORIZATION_SETTINGS) private readonly settings: AuthorizationSettings,
    @Inject(RoleBindingStore) private readonly store: RoleBindingStore,
    @Inject(PrincipalFactsSource) private readonly facts: PrincipalFactsSource,
    @Inject(AuditSink) private readonly audit: AuditSink,
  ) {
    super();
  }

  /**
   * Loads policies/ and seeds bindings.yaml.
   * @throws Error naming every file, line and column at fault: Tessera refuses to start.
   */
  async onModuleInit(): Promise<void> {
    this.loadPolicies();
    await this.seed();
    if (this.settings.watch) this.startWatching();
  }

  /**
   * Loads and installs policies/ without touching the database (`tessera authz explain`).
   * @throws Error naming every file, line and column at fault.
   */
  loadPolicies(): void {
    const loaded = loadPolicyDir(this.settings.policiesDir);
    if (!loaded.ok) throw new Error(`invalid policies in ${this.settings.policiesDir}:\n${loaded.problems.map(formatProblem).join('\n')}`);
    this.engine.install(loaded.bundle);
    this.log.log(`policies loaded: ${Object.keys(loaded.bundle.policies).length} from ${this.settings.policiesDir}`);
  }

  onModuleDestroy(): void {
    this.watcher?.close();
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
  }

  /** The policy set in use (its catalog answers which actions and resource types exist). */
  get policies(): PolicyBundle {
    const bundle = this.engine.bundle;
    if (!bundle) throw new Error('policies not loaded');
    return bundle;
  }

  /**
   * Reads policies/ again. A valid set replaces the current one; an invalid one is refused,
   * the last good set stays, and the reasons are logged and returned.
   */
  reload(): { ok: true } | { ok: false; problems: string[] } {
    const loaded = loadPolicyDir(this.settings.policiesDir);
    if (!loaded.ok) {
      const problems = loaded.problems.map(formatProblem);
      this.log.warn(`policies not reloaded, keeping the last good set:\n${problems.join('\n')}`);
      return { ok: false, problems };
    }
    try {
      this.engine.install(loaded.bundle);
    } catch (err) {
      this.log.warn(`policies not reloaded, keeping the last good set: ${(err as Error).message}`);
      return { ok: false, problems: [(err as Error).message] };
    }
    this.log.log(`policies reloaded: ${Object.keys(loaded.bundle.policies).length}`);
    return { ok: true };
  }

  private startWatching(): void {
    try {
      this.watcher = watch(this.settings.policiesDir, (_event, name) => {
        if (name && !String(name).endsWith('.cedar') && !String(name).endsWith('.cedarschema')) return;
        if (this.reloadTimer) clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => this.reload(), 100);
      });
      this.watcher.on('error', () => undefined);
      this.watcher.unref();
    } catch (err) {
      this.log.warn(`policies: not watching ${this.settings.policiesDir}: ${(err as Error).message}`);
    }
  }

  /** Seeds roles and bindings from policies/bindings.yaml (only adds what is missing). @throws Error naming file and field. */
  private async seed(): Promise<void> {
    const file = join(this.settings.policiesDir, BINDINGS_FILE);
    if (!existsSync(file)) return;
    let plain: unknown;
    try {
      plain = parseYaml(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`);
    }
    const checked = checkBindingsSeed(plain);
    if (!checked.ok) throw new Error(`invalid ${file}:\n${checked.problems.map((p) => `${file}: ${p.field}: ${p.reason}`).join('\n')}`);
    const existing = new Set((await this.store.listRoles()).map((r) => r.name));
    for (const r of checked.seed.roles) if (!existing.has(r.name)) await this.store.createRole(r.name, r.description, 'seed').catch(() => undefined);
    for (const b of checked.seed.bindings) await this.store.bind(b.kind, b.subject, b.role, 'seed');
  }

  /** Login (DESIGN.md §1 step 7): records the login's provider and canonical groups, then answers with the roles. */
  async decide(request: AccessRequest): Promise<AccessDecision> {
    // Issue 13 item 7: a login that changes nothing (the usual case) is one read — the same read
    // that gives the roles; only a change takes the locked write. The read is a consistent
    // snapshot, so skipping the write is what the locked path would have done at that instant.
    const before = (await this.store.principals([request.principalId])).get(request.principalId.toLowerCase());
    if (before && !applyLogin(before, request.providerId, request.groups).changed) return { allowed: true, roles: before.roles, version: before.version };
    await this.store.recordLogin(request.principalId, request.providerId, request.groups);
    const { roles, version } = await this.describe(request.principalId);
    return { allowed: true, roles, version };
  }

  /** Roles and version for tokens; an unknown principal has none and version 0. */
  async describe(principalId: string): Promise<PrincipalAuthorization> {
    const record = (await this.store.principals([principalId])).get(principalId.toLowerCase());
    return record ? { roles: record.roles, version: record.version } : { roles: [], version: 0 };
  }

  async evaluate(request: EvaluationRequest): Promise<EvaluationResult> {
    return (await this.evaluateBatch([request]))[0];
  }

  /**
   * Evaluates in order, reading every principal once. Unknown principal → denied
   * (`unknown_principal`); an engine failure → denied (`evaluation_error`) and audited.
   */
  async evaluateBatch(requests: readonly EvaluationRequest[]): Promise<EvaluationResult[]> {
    let records: Map<string, PrincipalRecord>;
    let extra: Awaited<ReturnType<PrincipalFactsSource['extraFacts']>>;
    try {
      const ids = [...new Set(requests.map((r) => r.principalId.toLowerCase()))];
      records = await this.store.principals(ids);
      extra = await this.facts.extraFacts([...records.keys()]);
    } catch (err) {
      await this.failed(err);
      return requests.map(() => ({ decision: false, reasons: ['evaluation_error'], policies: [] }));
    }
    const inputs = new Map<string, AuthzInputV1>();
    const out: EvaluationResult[] = [];
    for (const r of requests) {
      const id = r.principalId.toLowerCase();
      const record = records.get(id);
      if (!record) {
        out.push({ decision: false, reasons: ['unknown_principal'], policies: [] });
        continue;
      }
      let input = inputs.get(id);
      if (!input) {
        input = buildAuthzInput({ principalId: id, groups: record.groups, linkedProviders: record.providers, ...extra.get(id) });
        inputs.set(id, input);
      }
      out.push(await this.decideOne(input, record.roles, r));
    }
    return out;
  }

  private async decideOne(input: AuthzInputV1, roles: string[], r: EvaluationRequest): Promise<EvaluationResult> {
    try {
      const answer = this.engine.isAuthorized({
        principal: { type: PRINCIPAL_TYPE, id: input.principalId },
        action: { type: 'Action', id: r.action },
        resource: r.resource,
        entities: cedarEntities(input, roles, r.resource) as never,
      });
      if (answer.allow) return { decision: true, reasons: ['permitted'], policies: answer.policies };
      return { decision: false, reasons: [answer.forbidden ? 'forbidden' : 'no_permit'], policies: answer.policies };
    } catch (err) {
      await this.failed(err);
      return { decision: false, reasons: ['evaluation_error'], policies: [] };
    }
  }

  /** Deny by default: an internal failure is logged and audited, never raised to the caller. */
  private async failed(err: unknown): Promise<void> {
    this.log.error(`evaluation failed, denied: ${(err as Error)?.message ?? String(err)}`);
    await this.audit.record({ type: 'authz.evaluation_failed', outcome: 'failure', reason: 'evaluation_error', details: { detail: (err as Error)?.message ?? String(err) } }).catch(() => undefined);
  }

  /** `tessera authz explain`: the decision with the input, roles and entities Cedar saw and the deciding policies' files. */
  async explain(request: EvaluationRequest): Promise<Explanation> {
    const id = request.principalId.toLowerCase();
    const record = (await this.store.principals([id])).get(id);
    const [result] = await this.evaluateBatch([request]);
    const bundle = this.policies;
    const policyFiles = Object.fromEntries(result.policies.map((p) => [p, bundle.fileOf[p] ?? '']));
    if (!record) return { ...result, roles: [], entities: [], policyFiles };
    const extra = (await this.facts.extraFacts([id])).get(id);
    const input = buildAuthzInput({ principalId: id, groups: record.groups, linkedProviders: record.providers, ...extra });
    return { ...result, input, roles: record.roles, entities: cedarEntities(input, record.roles, request.resource), policyFiles };
  }
}
