import { CurrentPasswordField, NewPasswordField } from './password-fields';

export class ChangePasswordDto {
  @CurrentPasswordField()
  current_password?: string;

  @NewPasswordField()
  new_password: string;
}
