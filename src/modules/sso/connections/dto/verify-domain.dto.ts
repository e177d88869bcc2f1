import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { Omittable } from '../../../../common/validation/omittable';
import type { DomainVerificationMethod } from '../sso-connection.entity';

export class VerifyDomainDto {
  @ApiPropertyOptional({
    enum: ['dns_txt', 'operator'],
    default: 'dns_txt',
    description:
      'dns_txt: look up the TXT record now. operator: the instance administrator vouches for the tenant (TESSERA_ADMIN_TOKEN only)',
  })
  @Omittable()
  @IsIn(['dns_txt', 'operator'])
  method?: DomainVerificationMethod;
}
