import type { KeyAlgorithm } from '../keys/service-account-key.entity';
import {
  AccountDescription,
  AccountName,
  AccountScopes,
  KeyAlgorithmField,
  KeyLifetimeDays,
} from './fields';

export class CreateServiceAccountDto {
  @AccountName({ optional: false })
  name: string;

  @AccountDescription()
  description?: string;

  @AccountScopes({ optional: false })
  scopes: string[];

  @KeyAlgorithmField('Of the first key, made by the server: RSA-2048 (RS256, default) or EC P-256')
  algorithm?: KeyAlgorithm;

  @KeyLifetimeDays()
  expires_in_days?: number;
}
