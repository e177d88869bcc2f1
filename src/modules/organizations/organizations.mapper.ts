import { User } from '../users/user.entity';
import { MemberDto } from './dto/member.dto';
import { OrganizationDto } from './dto/organization.dto';
import { Membership } from './membership.entity';
import { Organization } from './organization.entity';
import { rateLimitPerMinute } from './plans';
import { Role } from './roles';

export function toOrganizationDto(organization: Organization, role?: Role): OrganizationDto {
  return {
    id: organization.id,
    name: organization.name,
    plan: organization.plan,
    rate_limit_per_minute: rateLimitPerMinute(
      organization.plan,
      organization.customRateLimitPerMinute,
    ),
    personal: Boolean(organization.personal),
    leaked_key_policy: organization.leakedKeyPolicy,
    ...(role ? { role } : {}),
    created_at: organization.createdAt.toISOString(),
    updated_at: organization.updatedAt.toISOString(),
  };
}

export function toMemberDto({
  membership,
  user,
}: {
  membership: Membership;
  user: User;
}): MemberDto {
  return {
    user_id: user.id,
    email: user.email,
    full_name: user.fullName,
    role: membership.role,
    joined_at: membership.createdAt.toISOString(),
  };
}
