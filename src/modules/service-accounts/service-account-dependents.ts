import { Injectable } from '@nestjs/common';

/** An account as the modules that keep credentials for it know it. */
export interface EndingServiceAccount {
  id: string;
  organizationId: string;
}

/** Ends what one module keeps for an account (its API keys); answers how many it ended. */
export type DependentsEnder = (account: EndingServiceAccount, at: Date) => Promise<number>;

/**
 * What other modules keep for a service account and end with it, registered by those modules
 * (the API keys module: the account's API keys), so the account's deletion reaches them without
 * this module knowing them. Enders run in the deleting request, before it answers.
 */
@Injectable()
export class ServiceAccountDependents {
  private readonly enders = new Map<string, DependentsEnder>();

  /** `name` is what the deletion's audit event counts them as (`api_keys`). */
  register(name: string, ender: DependentsEnder): void {
    this.enders.set(name, ender);
  }

  /** Ends every dependent; how many of each kind ended. */
  async endAll(account: EndingServiceAccount, at: Date): Promise<Record<string, number>> {
    const ended: Record<string, number> = {};
    for (const [name, ender] of this.enders) ended[name] = await ender(account, at);
    return ended;
  }
}
