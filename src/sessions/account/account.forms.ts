import { IsOptional, IsString, IsUUID } from 'class-validator';

/**
 * The account page's forms, validated at the edge (DESIGN.md §9: unknown fields refused). The
 * token is optional here so that a form without it is refused as `account.csrf_rejected` (403),
 * not as a malformed request.
 */

/** `POST /account/sessions/end`: the session to end and the form token. */
export class EndSessionForm {
  @IsUUID()
  sid!: string;
  @IsOptional()
  @IsString()
  token?: string;
}

/** `POST /account/sessions/end-others`: the form token. */
export class EndOthersForm {
  @IsOptional()
  @IsString()
  token?: string;
}
