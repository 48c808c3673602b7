import { AuditSink, type AuditEventInput } from '../../audit/audit.module';
import {
  AUTHORIZATION_ENTITIES,
  AuthorizationService,
  DefaultPrincipalFacts,
  NoVersionPublisher,
  RoleBindingStore,
} from '../../authorization/authorization.module';
import { SystemClock } from '../../common';
import { ConfigError, loadEnv } from '../../config';
import { openDatabase } from '../../database';
import type { CliArgs, CliCommand, CliIo } from '../dispatch';

/** Writes audit events of the explain run (an internal failure) to stderr instead of the table. */
class StderrAudit extends AuditSink {
  constructor(private readonly io: CliIo) {
    super();
  }
  async record(event: AuditEventInput): Promise<void> {
    this.io.stderr(`audit: ${event.type} ${event.reason ?? ''}\n`);
  }
}

/**
 * `tessera authz explain --principal <id> --action <a> --resource <type>:<id>` (issue 11 item 9):
 * the decision as the running broker would take it now (policies/ from TESSERA_POLICIES_DIR,
 * roles and bindings from the database), the tessera.authz/v1 input and Cedar entities it saw,
 * and the policies that decided, with their files. Reads only. Exit 0 when allowed, 3 when
 * denied, 1 on error, 2 on usage.
 */
export const authzExplainCommand: CliCommand = {
  words: ['authz', 'explain'],
  usage: '--principal <id> --action <name> --resource <type>:<id>',
  summary: 'explain one authorization decision: the decision, the entities Cedar saw, the deciding policies',
  options: { principal: { type: 'string' }, action: { type: 'string' }, resource: { type: 'string' } },
  async run(args: CliArgs, io: CliIo): Promise<number> {
    const { principal, action, resource } = args.options;
    const split = typeof resource === 'string' ? resource.indexOf(':') : -1;
    if (typeof principal !== 'string' || typeof action !== 'string' || split <= 0) {
      io.stderr(`usage: tessera authz explain ${this.usage}\n`);
      return 2;
    }
    let env;
    try {
      env = loadEnv(io.env, io.cwd);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      io.stdout(err.problems.map((p) => `${p.file}: ${p.field}: ${p.reason}\n`).join(''));
      return 1;
    }
    const clock = new SystemClock();
    const db = await openDatabase(env, AUTHORIZATION_ENTITIES, []);
    try {
      const audit = new StderrAudit(io);
      const store = new RoleBindingStore(db.dataSource, clock, new NoVersionPublisher());
      const service = new AuthorizationService({ policiesDir: env.policiesDir, watch: false, issuer: env.issuer }, store, new DefaultPrincipalFacts(), audit);
      try {
        service.loadPolicies();
      } catch (err) {
        io.stdout(`${(err as Error).message}\n`);
        return 1;
      }
      const r = (resource as string).slice(0, split);
      const id = (resource as string).slice(split + 1);
      const catalog = service.policies.catalog;
      if (!catalog.actions.has(action)) {
        io.stdout(`unknown action ${action}; the schema has: ${[...catalog.actions].join(', ')}\n`);
        return 1;
      }
      if (!catalog.resourceTypes.has(r)) {
        io.stdout(`unknown resource type ${r}; the schema has: ${[...catalog.resourceTypes].join(', ')}\n`);
        return 1;
      }
      const x = await service.explain({ principalId: principal, action, resource: { type: r, id } });
      const lines = [
        `decision: ${x.decision ? 'allow' : 'deny'} (${x.reasons.join(', ')})`,
        'deciding policies:',
        ...(x.policies.length ? x.policies.map((p) => `  ${p}  ${x.policyFiles[p] ?? ''}`) : ['  (none)']),
        `roles: ${x.roles.length ? x.roles.join(', ') : '(none)'}`,
        `input (tessera.authz/v1): ${x.input ? JSON.stringify(x.input) : '(unknown principal)'}`,
        'entities:',
        ...x.entities.map((e) => `  ${JSON.stringify(e)}`),
      ];
      io.stdout(lines.join('\n') + '\n');
      return x.decision ? 0 : 3;
    } finally {
      await db.close();
    }
  },
};
