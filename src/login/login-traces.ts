import { Inject, Injectable } from '@nestjs/common';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { Clock, isUuid } from '../common';
import type { MappingTrace } from '../identity/identity.module';

/** A login trace row (table `login_traces`, issue 10 item 7). */
@Entity('login_traces')
export class LoginTraceEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;
  @Column({ name: 'provider_id', type: 'text', nullable: true })
  providerId!: string | null;
  @Column({ name: 'client_id', type: 'text', nullable: true })
  clientId!: string | null;
  /** `granted`, `failed` or `pending`. */
  @Column({ type: 'text' })
  outcome!: string;
  @Column({ type: 'jsonb' })
  record!: Record<string, any>; // jsonb
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/**
 * The redacted record of one login (issue 10 item 7): attribute names and value counts, each
 * mapping step's outcome, the condition, the linking decision and its reason, the error code.
 * Never a value, token, secret or assertion.
 */
export interface LoginTraceRecord {
  mapping: MappingTrace;
  linking?: { decision: string; reason?: string; waitingFor?: string; confirmed?: string };
  /** B43: the app's acr_values and the mapped assurance, when they did not meet. */
  acr?: { requested: string[]; assurance: string };
  error?: string;
}

/** A stored trace, as the admin API returns it. */
export interface LoginTrace {
  id: string;
  providerId: string | null;
  clientId: string | null;
  outcome: string;
  createdAt: string;
  record: LoginTraceRecord;
}

/** Writes and reads login traces. */
@Injectable()
export class LoginTraces {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Stores one login's trace under `id` (a uuid the login drew). */
  async write(id: string, providerId: string | undefined, clientId: string | undefined, outcome: string, record: LoginTraceRecord): Promise<void> {
    await this.dataSource.getRepository(LoginTraceEntity).insert({ id, providerId: providerId ?? null, clientId: clientId ?? null, outcome, record: record as unknown as Record<string, any>, createdAt: this.clock.now() });
  }

  /** @returns the trace, or undefined (also for an id that is not a uuid). */
  async find(id: string): Promise<LoginTrace | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await this.dataSource.getRepository(LoginTraceEntity).findOneBy({ id });
    if (!row) return undefined;
    return { id: row.id, providerId: row.providerId, clientId: row.clientId, outcome: row.outcome, createdAt: row.createdAt.toISOString(), record: row.record as unknown as LoginTraceRecord };
  }
}

/** Errors of failed logins that carry their trace id (weakly held: the error object is the key). */
const TRACED = new WeakMap<object, string>();

/**
 * Marks `err` as the failure of the login traced under `traceId`, so the page the browser sees
 * (app/ HtmlErrorFilter) quotes the trace id as its reference (issue 10 item 7).
 * @returns `err`.
 */
export function withLoginTrace<E extends object>(err: E, traceId: string): E {
  TRACED.set(err, traceId);
  return err;
}

/** The trace id of a failed login's error, if {@link withLoginTrace} marked it. */
export function loginTraceOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? TRACED.get(err) : undefined;
}
