import { describe, expect, it } from 'vitest';
import { bindFormFields, formFieldsReducer, initialFormFields, type FieldValues, type FormFieldsAction, type FormFieldsOptions, type FormFieldsState } from './use-form-fields.ts';

interface SignIn {
  username: string;
  password: string;
  role: 'viewer' | 'admin';
}

const initial: SignIn = { username: '', password: '', role: 'viewer' };

/** The hook without React: the same reducer and bindings, re-bound after every dispatch like a re-render. */
function form<V extends FieldValues, R = string>(first: V, options?: FormFieldsOptions<V, R>) {
  let state: FormFieldsState<V, R> = initialFormFields<V, R>(first);
  const dispatched: Array<FormFieldsAction<V, R>> = [];
  const dispatch = (action: FormFieldsAction<V, R>) => {
    dispatched.push(action);
    state = formFieldsReducer(state, action);
  };
  return {
    get now() {
      return bindFormFields(state, dispatch, first, options);
    },
    get state() {
      return state;
    },
    dispatched,
  };
}

const typed = (value: string) => ({ currentTarget: { value } });

describe('form fields', () => {
  it('binds a text field: value, onChange from the input event, error', () => {
    const f = form(initial);
    f.now.field('username').onChange(typed('alice'));
    expect(f.now.values.username).toBe('alice');
    expect(f.now.field('username')).toMatchObject({ value: 'alice', error: undefined });
  });

  it('shows the errors found on submit and reports whether there were any', () => {
    const f = form(initial);
    expect(f.now.check({ username: 'Enter your username.', password: undefined })).toBe(false);
    expect(f.now.errors).toEqual({ username: 'Enter your username.' });
    expect(f.now.field('username').error).toBe('Enter your username.');
    expect(f.now.check({ username: undefined, password: '' })).toBe(true);
    expect(f.now.errors).toEqual({});
  });

  it('clears the error of the field being edited, and only that one', () => {
    const f = form(initial);
    f.now.check({ username: 'Enter your username.', password: 'Enter your password.' });
    f.now.field('password').onChange(typed('s'));
    expect(f.now.errors).toEqual({ username: 'Enter your username.' });
  });

  it('clears the refusal as soon as any field changes', () => {
    const f = form(initial);
    f.now.refuse('Incorrect username or password.');
    expect(f.now.refusal).toBe('Incorrect username or password.');
    f.now.field('password').onChange(typed('another try'));
    expect(f.now.refusal).toBeNull();
  });

  it('clears the refusal when a value is set without an input event (a select)', () => {
    const f = form(initial);
    f.now.refuse('Too many requests.');
    f.now.set('role', 'admin');
    expect(f.now.values.role).toBe('admin');
    expect(f.now.refusal).toBeNull();
  });

  it('treats re-picking the same value as no edit: the refusal stays, the state is untouched', () => {
    const f = form(initial);
    f.now.refuse('Invitation not created.', { username: 'Taken.' });
    const before = f.state;
    f.now.set('role', 'viewer');
    expect(f.state).toBe(before);
    expect(f.now.refusal).toBe('Invitation not created.');
  });

  it('keeps the refusal while told to (a countdown explains the disabled button)', () => {
    const f = form(initial, { keepRefusal: true });
    f.now.refuse('Too many attempts.', { password: 'Wait.' });
    f.now.field('password').onChange(typed('x'));
    expect(f.now.refusal).toBe('Too many attempts.');
    // The field's own error still goes.
    expect(f.now.errors).toEqual({});
  });

  it('also clears the errors of related fields', () => {
    const f = form({ password: 'a', confirmation: 'b' }, { related: { password: ['confirmation'] } });
    f.now.check({ confirmation: 'This does not match the password.' });
    f.now.field('password').onChange(typed('b'));
    expect(f.now.errors).toEqual({});
  });

  it('puts refusal and field errors up together, and a new check drops the refusal', () => {
    const f = form<SignIn, { message: string }>(initial);
    f.now.refuse({ message: 'That username is already taken.' }, { username: 'Choose another one.' });
    expect(f.now.refusal).toEqual({ message: 'That username is already taken.' });
    expect(f.now.errors).toEqual({ username: 'Choose another one.' });
    f.now.check({});
    expect(f.now.refusal).toBeNull();
    expect(f.now.errors).toEqual({});
  });

  it('resets the named fields to their first values, leaving the others', () => {
    const f = form(initial);
    f.now.field('username').onChange(typed('alice'));
    f.now.field('password').onChange(typed('correct horse battery staple'));
    f.now.check({ password: 'x' });
    f.now.reset('password');
    expect(f.now.values).toEqual({ username: 'alice', password: '', role: 'viewer' });
    expect(f.now.errors).toEqual({});
  });

  it('resets the whole form, errors and refusal included, when no field is named', () => {
    const f = form(initial);
    f.now.field('password').onChange(typed('secret'));
    f.now.refuse('That password is not correct.', { password: 'Wrong.' });
    f.now.reset();
    expect(f.state).toEqual({ values: initial, errors: {}, refusal: null });
  });

  it('keeps the refusal when only a field is reset (a refused code is wiped, the reason stays)', () => {
    const f = form(initial);
    f.now.field('password').onChange(typed('123456'));
    f.now.refuse('That code is not correct.');
    f.now.reset('password');
    expect(f.now.values.password).toBe('');
    expect(f.now.refusal).toBe('That code is not correct.');
  });

  it('keeps only the refusals a test picks (an expired setup needs "Start again", not a new code)', () => {
    const f = form<{ code: string }, { message: string; restartSetup?: boolean }>({ code: '' }, { keepRefusal: (refusal) => refusal.restartSetup === true });
    f.now.refuse({ message: 'Wrong code.' });
    f.now.field('code').onChange(typed('1'));
    expect(f.now.refusal).toBeNull();
    f.now.refuse({ message: 'This setup has expired.', restartSetup: true });
    f.now.field('code').onChange(typed('12'));
    expect(f.now.refusal).toEqual({ message: 'This setup has expired.', restartSetup: true });
  });
});
