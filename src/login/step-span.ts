import { trace, SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import type { AccessDecision } from '../authorization/authorization.module';
import { BrokerError, TRACER_NAME } from '../common';
import type { CanonicalIdentity, MappingTrace } from '../identity/identity.module';


/** What a step span says about the login it belongs to: configuration ids only, never a claim value. */
export interface StepSpanFacts {
  provider?: string;
  client?: string;
}

/** Attributes a step adds from its result: counts and canonical levels only, never a claim value. */
export type StepSpanResult = Record<string, string | number | boolean | undefined>;

/**
 * Runs one login step that writes no audit event (mapping, authorization) inside its own span,
 * `tessera.<step>`, a child of the active span (the request's, opened by observability/'s HTTP
 * observer), so the login's trace shows the step's own duration (issue 13 item 3). The other
 * steps' spans are derived from their audit events by observability/; these two write none, and
 * the login path writes no statement it does not need (item 7), so they are timed here, over the
 * OpenTelemetry API only (no-op while tracing is not started).
 * Attributes: `tessera.provider`, `tessera.client`, `tessera.outcome` (`success` | `failure`),
 * `tessera.reason` (the error code on failure; a non-Broker error is `login.internal_error`) and
 * what `describe` returns for the result, prefixed `tessera.`.
 * @param step the step's name (`mapping`, `authorization`).
 * @param run the step; its result (or rejection) is returned (or rethrown) unchanged.
 * @param describe attributes from the result; a result it marks with `outcome: 'failure'` ends the span in error.
 */
export function inStepSpan<T>(step: string, facts: StepSpanFacts, run: () => T, describe?: (result: Awaited<T>) => StepSpanResult): T {
  return trace.getTracer(TRACER_NAME).startActiveSpan(`tessera.${step}`, { kind: SpanKind.INTERNAL }, (span) => {
    set(span, { provider: facts.provider, client: facts.client });
    const succeed = (result: Awaited<T>) => {
      const attrs: StepSpanResult = { outcome: 'success', ...(describe?.(result) ?? {}) };
      set(span, attrs);
      if (attrs.outcome === 'failure') span.setStatus({ code: SpanStatusCode.ERROR, message: String(attrs.reason ?? '') });
      span.end();
      return result;
    };
    const fail = (err: unknown): never => {
      const code = err instanceof BrokerError ? err.code : 'login.internal_error';
      set(span, { outcome: 'failure', reason: code });
      span.setStatus({ code: SpanStatusCode.ERROR, message: code });
      span.end();
      throw err;
    };
    let result: T;
    try {
      result = run();
    } catch (err) {
      return fail(err);
    }
    if (result instanceof Promise) return result.then(succeed, fail) as T;
    return succeed(result as Awaited<T>) as T;
  });
}

/**
 * The mapping span's attributes from its result: the canonical assurance level (`aal1`–`aal3`,
 * a fixed set), the vendor preset's name and how many fields were mapped or found absent
 * (counts; never a claim value).
 */
export function mappingFacts(identity: CanonicalIdentity, mappingTrace: MappingTrace): StepSpanResult {
  const count = (outcome: string) => mappingTrace.steps.filter((s) => s.outcome === outcome).length;
  return { assurance: identity.assurance ?? 'aal1', 'mapping.preset': mappingTrace.preset, 'mapping.mapped': count('mapped'), 'mapping.absent': count('absent') };
}

/**
 * The authorization span's attributes from the decision: on allow the number of roles granted;
 * on deny `outcome: failure` with `reason: authorization.denied` (the decision's own reason may
 * quote group names, so it stays in the audit trail and the login trace).
 */
export function decisionFacts(decision: AccessDecision): StepSpanResult {
  return decision.allowed ? { 'roles.count': decision.roles.length } : { outcome: 'failure', reason: 'authorization.denied' };
}

function set(span: Span, attrs: StepSpanResult): void {
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) span.setAttribute(`tessera.${k}`, v);
}
