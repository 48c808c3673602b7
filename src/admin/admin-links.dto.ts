import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Equals, IsOptional, IsUUID } from 'class-validator';
import type { LedgerView, PendingLinkView, PrincipalView } from '../linking/linking.module';

/**
 * OpenAPI shapes of the principals, links and traces endpoints of the admin API (issue 10 item 13).
 */

/** Body of `POST /admin/v1/pending-links/{id}/approve`: bind to a principal, or create one. */
export class ApproveLinkDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Bind the waiting identity to this principal.' })
  @IsOptional()
  @IsUUID('all', { message: 'principalId must be a UUID' })
  principalId?: string;
  @ApiPropertyOptional({ enum: [true], description: 'Create a new principal at the next login instead.' })
  @IsOptional()
  @Equals(true, { message: 'create must be true' })
  create?: true;
}

/** One ledger entry. */
export class LedgerEntryDto implements LedgerView {
  @ApiProperty({ enum: ['link', 'unlink'] }) action!: 'link' | 'unlink';
  @ApiProperty({ description: 'The policy the link was made under (none, email, user-confirmed, admin-bound), or admin.' }) policy!: string;
  @ApiProperty({ description: 'created, verified-email, user-confirmed, admin-bound, admin-unlink.' }) reason!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Provider, verified email, pending link id, admin.' }) evidence!: Record<string, unknown>;
  @ApiProperty({ description: 'login (the broker during a login) or admin.' }) actor!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

/** A federated identity of a principal, with its ledger. */
export class IdentityDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() providerId!: string;
  @ApiProperty({ description: 'The upstream subject, byte for byte.' }) subject!: string;
  @ApiProperty({ nullable: true, type: String }) email!: string | null;
  @ApiProperty({ nullable: true, type: Boolean }) emailVerified!: boolean | null;
  @ApiProperty() linkedBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) lastLoginAt!: string;
  @ApiProperty({ type: [LedgerEntryDto] }) ledger!: LedgerEntryDto[];
}

/** A principal (summary). */
export class PrincipalSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ nullable: true, type: String }) email!: string | null;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

/** A principal with its identities. */
export class PrincipalDto extends PrincipalSummaryDto implements PrincipalView {
  @ApiProperty({ type: [IdentityDto] }) identities!: IdentityDto[];
}

/** `GET /admin/v1/principals` answer. */
export class PrincipalListDto {
  @ApiProperty({ type: [PrincipalSummaryDto] }) principals!: PrincipalSummaryDto[];
}

/** A pending link. */
export class PendingLinkDto implements PendingLinkView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() providerId!: string;
  @ApiProperty() subject!: string;
  @ApiProperty({ enum: ['user', 'admin'] }) waitingFor!: 'user' | 'admin';
  @ApiProperty({ description: 'admin-bound, user-confirmed, email-conflict, drift-email-changed, drift-new-subject.' }) reason!: string;
  @ApiProperty({ enum: ['pending', 'approved', 'rejected'] }) state!: string;
  @ApiProperty({ nullable: true, type: String }) email!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) candidatePrincipalId!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The trace of the login that started it.' }) traceId!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

/** `GET /admin/v1/pending-links` answer. */
export class PendingLinkListDto {
  @ApiProperty({ type: [PendingLinkDto] }) pendingLinks!: PendingLinkDto[];
}

/** A login trace (redacted: names and counts, never values). */
export class LoginTraceDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ nullable: true, type: String }) providerId!: string | null;
  @ApiProperty({ nullable: true, type: String }) clientId!: string | null;
  @ApiProperty({ enum: ['granted', 'failed', 'pending'] }) outcome!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'mapping (attribute counts, steps, condition, emailVerified, assurance), linking (decision, reason), error.' })
  record!: Record<string, unknown>;
}
