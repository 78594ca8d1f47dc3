// @vitest-environment happy-dom
// The hook inside React: a real input's change event, re-renders, options that change
// between renders (the sign-in countdown), and first values that survive re-renders.
import { act, cleanup, fireEvent, render, renderHook, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { useFormFields } from './use-form-fields.ts';

afterEach(cleanup);

function InvitationLikeForm({ refusal }: { refusal: string }) {
  const form = useFormFields({ username: '', password: '' });
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        if (form.check({ username: form.values.username ? undefined : 'Choose a username.' })) form.refuse(refusal);
      }}
    >
      <label>
        Username
        <input {...form.field('username')} aria-invalid={form.errors.username !== undefined} />
      </label>
      {form.errors.username && <p>{form.errors.username}</p>}
      <label>
        Password
        <input type="password" {...form.field('password')} />
      </label>
      {form.refusal && <div role="alert">{form.refusal}</div>}
      <button type="submit">Send</button>
    </form>
  );
}

describe('useFormFields in a form', () => {
  it('shows a refusal until the person edits any field', () => {
    render(<InvitationLikeForm refusal="Account not created: the password does not meet the rules." />);
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'alice' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(screen.getByRole('alert').textContent).toBe('Account not created: the password does not meet the rules.');

    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'a much better passphrase' } });
    expect(screen.queryByRole('alert')).toBeNull();
    expect((screen.getByLabelText('Password') as HTMLInputElement).value).toBe('a much better passphrase');
  });

  it('shows a field error found on submit and clears it when that field is edited', () => {
    render(<InvitationLikeForm refusal="unused" />);
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(screen.getByText('Choose a username.')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'x' } });
    expect(screen.getByText('Choose a username.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'a' } });
    expect(screen.queryByText('Choose a username.')).toBeNull();
  });
});

describe('useFormFields across renders', () => {
  it('follows keepRefusal as it is on the latest render (a countdown starting and ending)', () => {
    const { result, rerender } = renderHook(({ waiting }) => useFormFields({ password: '' }, { keepRefusal: waiting }), { initialProps: { waiting: true } });
    act(() => result.current.refuse('Too many attempts.'));
    act(() => result.current.field('password').onChange({ currentTarget: { value: 'a' } }));
    expect(result.current.refusal).toBe('Too many attempts.');

    rerender({ waiting: false });
    act(() => result.current.field('password').onChange({ currentTarget: { value: 'ab' } }));
    expect(result.current.refusal).toBeNull();
  });

  it('keeps the first values although every render passes a new object', () => {
    const { result, rerender } = renderHook(({ start }) => useFormFields({ email: start }), { initialProps: { start: 'first@example.com' } });
    act(() => result.current.set('email', 'typed@example.com'));
    rerender({ start: 'other@example.com' });
    expect(result.current.values.email).toBe('typed@example.com');
    act(() => result.current.reset('email'));
    expect(result.current.values.email).toBe('first@example.com');
  });
});
