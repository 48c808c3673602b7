import { Body, Controller, Get, Headers, HttpCode, Inject, Post, Res, UseFilters } from '@nestjs/common';
import type { Response } from 'express';
import { AuditSink } from '../audit/audit.module';
import { BrokerError } from '../common';
import { AuthorizationService } from './authorization.service';
import { AUTHORIZATION_SETTINGS, type AuthorizationSettings } from './authorization.settings';
import type { EvaluationResult } from './authorization.port';
import { AuthzenCallers } from './authzen-callers.port';
import { AuthzenErrorFilter } from './authzen-error.filter';
import { checkEvaluationRequest, checkEvaluationsRequest, stopAfter, type CheckedEvaluation } from './authzen.rules';

/** An AuthZEN decision on the wire (§5.5): `context.reason` is a code, never policy text. */
interface WireDecision {
  decision: boolean;
  context?: { reason: string; code?: number };
}

const wire = (r: EvaluationResult): WireDecision => (r.decision ? { decision: true } : { decision: false, context: { reason: r.reasons[0] ?? 'no_permit' } });
/** Request ids are echoed only when printable and short (AuthZEN 1.0 §10.1.3 X-Request-ID). */
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * OpenID AuthZEN Authorization API 1.0 (issue 11 item 5): the Access Evaluation API (§6), the
 * Access Evaluations API (§7, with §7.1.1 defaults and §7.1.2 semantics) and the PDP metadata
 * (§9). Callers are confidential clients allowed `authzen: true`. Every decision is audited
 * with the ids of the policies that decided it; a caller never sees those ids or any policy text.
 */
@Controller()
@UseFilters(AuthzenErrorFilter)
export class AuthzenController {
  constructor(
    @Inject(AuthorizationService) private readonly authz: AuthorizationService,
    @Inject(AuthzenCallers) private readonly callers: AuthzenCallers,
    @Inject(AuditSink) private readonly audit: AuditSink,
    @Inject(AUTHORIZATION_SETTINGS) private readonly settings: AuthorizationSettings,
  ) {}

  /** §9: `GET /.well-known/authzen-configuration`, public. */
  @Get('.well-known/authzen-configuration')
  configuration(@Res({ passthrough: true }) res: Response): Record<string, string> {
    res.setHeader('Cache-Control', 'public, max-age=3600');
    const base = this.settings.issuer;
    return { policy_decision_point: base, access_evaluation_endpoint: `${base}/access/v1/evaluation`, access_evaluations_endpoint: `${base}/access/v1/evaluations` };
  }

  /** §6: one evaluation. 400 with `context.reason` for a malformed request. */
  @Post('access/v1/evaluation')
  @HttpCode(200)
  async evaluation(@Headers('authorization') authorization: string | undefined, @Headers('x-request-id') requestId: string | undefined, @Body() body: unknown, @Res({ passthrough: true }) res: Response): Promise<WireDecision> {
    const clientId = await this.caller(authorization);
    this.echo(res, requestId);
    const checked = checkEvaluationRequest(body, this.authz.policies.catalog);
    if (!checked.ok) throw new BrokerError('authz.request_invalid', checked.reason);
    const [result] = await this.authz.evaluateBatch([checked.value]);
    await this.record(clientId, [checked.value], [result]);
    return wire(result);
  }

  /** §7: several evaluations; without `evaluations` answered as §6. */
  @Post('access/v1/evaluations')
  @HttpCode(200)
  async evaluations(@Headers('authorization') authorization: string | undefined, @Headers('x-request-id') requestId: string | undefined, @Body() body: unknown, @Res({ passthrough: true }) res: Response): Promise<WireDecision | { evaluations: WireDecision[] }> {
    const clientId = await this.caller(authorization);
    this.echo(res, requestId);
    const checked = checkEvaluationsRequest(body, this.authz.policies.catalog);
    if (!checked.ok) throw new BrokerError('authz.request_invalid', checked.reason);
    const valid = checked.entries.flatMap((e) => (e.ok ? [e.value] : []));
    const results = await this.authz.evaluateBatch(valid);
    let next = 0;
    const merged: Array<{ request?: CheckedEvaluation; result: EvaluationResult; wire: WireDecision }> = checked.entries.map((e) => {
      if (!e.ok) return { result: { decision: false, reasons: ['no_permit'], policies: [] }, wire: { decision: false, context: { code: 400, reason: e.reason } } };
      const result = results[next++];
      return { request: e.value, result, wire: wire(result) };
    });
    const kept = merged.slice(0, stopAfter(merged.map((m) => m.result.decision), checked.semantic));
    await this.record(clientId, kept.flatMap((k) => (k.request ? [k.request] : [])), kept.flatMap((k) => (k.request ? [k.result] : [])));
    if (checked.single) {
      if (!checked.entries[0].ok) throw new BrokerError('authz.request_invalid', checked.entries[0].reason);
      return kept[0].wire;
    }
    return { evaluations: kept.map((k) => k.wire) };
  }

  /** @throws BrokerError `authz.caller_unauthenticated` (401) or `authz.caller_not_allowed` (403). */
  private async caller(authorization: string | undefined): Promise<string> {
    const caller = await this.callers.authenticate(authorization);
    if (!caller) throw new BrokerError('authz.caller_unauthenticated', authorization ? 'client authentication failed' : 'no client authentication');
    if (!caller.authzen) throw new BrokerError('authz.caller_not_allowed', `client ${caller.clientId} is not allowed the AuthZEN API`);
    return caller.clientId;
  }

  private echo(res: Response, requestId: string | undefined): void {
    if (requestId !== undefined && REQUEST_ID.test(requestId)) res.setHeader('X-Request-ID', requestId);
  }

  /** One audit event per request, listing each decision with the policies that decided it. */
  private async record(clientId: string, requests: CheckedEvaluation[], results: EvaluationResult[]): Promise<void> {
    if (requests.length === 0) return;
    await this.audit.record({
      type: 'authz.evaluated',
      outcome: 'info',
      clientId,
      ...(requests.length === 1 ? { principalId: requests[0].principalId, reason: results[0].reasons[0] } : {}),
      details: {
        decisions: requests.map((r, i) => ({ principal: r.principalId, action: r.action, resource: `${r.resource.type}::${r.resource.id}`, decision: results[i].decision, reason: results[i].reasons[0], policies: results[i].policies })),
      },
    });
  }
}
