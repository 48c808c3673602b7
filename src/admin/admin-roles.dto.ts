import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';

/** `POST /admin/v1/roles` body. */
export class CreateRoleDto {
  @ApiProperty({ description: 'Role name as Cedar policies name it (`Role::"<name>"`): a letter, then letters, digits, `_ . : -`.', example: 'admin' })
  @IsString() @Length(1, 64) name!: string;
  @ApiPropertyOptional()
  @IsOptional() @IsString() @Length(0, 500) description?: string;
}

/** `POST /admin/v1/bindings` body: exactly one of `principal` or `group`. */
export class CreateBindingDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'A principal id.' })
  @IsOptional() @IsString() @Length(1, 64) principal?: string;
  @ApiPropertyOptional({ description: 'A canonical group `<providerId>:<group>`, e.g. `demo-idp:staff`.' })
  @IsOptional() @IsString() @Length(1, 256) group?: string;
  @ApiProperty({ example: 'admin' })
  @IsString() @Length(1, 64) role!: string;
}

/** A role. */
export class RoleDto {
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ enum: ['seed', 'admin'] }) source!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

/** A binding. */
export class BindingDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['principal', 'group'] }) kind!: 'principal' | 'group';
  @ApiProperty() subject!: string;
  @ApiProperty() role!: string;
  @ApiProperty({ enum: ['seed', 'admin'] }) source!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class RoleListDto {
  @ApiProperty({ type: [RoleDto] }) roles!: RoleDto[];
}

export class BindingListDto {
  @ApiProperty({ type: [BindingDto] }) bindings!: BindingDto[];
}
