// The password someone already has (sign-in, step-up, password change). autoComplete tells
// password managers to offer the saved one rather than suggest a new one.
import { PasswordInput, type PasswordInputProps } from '@mantine/core';
import type { FieldBinding } from '../../lib/use-form-fields.ts';

interface CurrentPasswordInputProps extends Omit<PasswordInputProps, 'value' | 'onChange' | 'error' | 'autoComplete'> {
  field: FieldBinding;
}

export function CurrentPasswordInput({ field, name = 'current-password', ...rest }: CurrentPasswordInputProps) {
  return <PasswordInput name={name} autoComplete="current-password" {...rest} {...field} />;
}
