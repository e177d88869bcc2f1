export const PLANS = ['free', 'pro', 'business', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

/** Requests per minute per organization; `enterprise` uses the organization's own number. */
const PLAN_RATE_LIMITS: Record<Exclude<Plan, 'enterprise'>, number> = {
  free: 60,
  pro: 300,
  business: 1000,
};

export const DEFAULT_ENTERPRISE_RATE_LIMIT = 5000;

export function rateLimitPerMinute(plan: Plan, custom: number | null): number {
  if (plan === 'enterprise') return custom ?? DEFAULT_ENTERPRISE_RATE_LIMIT;
  return PLAN_RATE_LIMITS[plan];
}
