// The state every form here keeps: the typed values, an error under a field (found on
// submit), and the server's refusal of the whole form. Editing a field clears that field's
// error and the refusal, so a red box never stays next to input it no longer describes.
// The logic is plain functions (reducer + bindings) so it is tested without a browser;
// useFormFields only wires it to React.
import { useReducer, useState } from 'react';

// Any object type, interfaces included (they have no index signature).
export type FieldValues = object;
export type FieldErrors<V extends FieldValues> = Partial<Record<keyof V, string>>;

/** Fields holding text, the ones an <input> edits. */
export type TextField<V extends FieldValues> = { [K in keyof V]: V[K] extends string ? K : never }[keyof V];

export interface FormFieldsState<V extends FieldValues, R> {
  values: V;
  errors: FieldErrors<V>;
  refusal: R | null;
}

export type FormFieldsAction<V extends FieldValues, R> =
  | { type: 'change'; name: keyof V; value: V[keyof V]; clearErrors: Array<keyof V>; keepRefusal: boolean }
  | { type: 'check'; errors: FieldErrors<V> }
  | { type: 'refuse'; refusal: R | null; errors: FieldErrors<V> }
  | { type: 'reset'; values: Partial<V> }
  | { type: 'restart'; values: V };

export function initialFormFields<V extends FieldValues, R>(values: V): FormFieldsState<V, R> {
  return { values, errors: {}, refusal: null };
}

function withoutErrors<V extends FieldValues>(errors: FieldErrors<V>, names: Array<keyof V>): FieldErrors<V> {
  if (!names.some((name) => errors[name] !== undefined)) return errors;
  const next = { ...errors };
  for (const name of names) delete next[name];
  return next;
}

/** Only the messages that are set, so `{ email: undefined }` does not count as an error. */
function presentErrors<V extends FieldValues>(errors: FieldErrors<V>): FieldErrors<V> {
  return Object.fromEntries(Object.entries(errors).filter(([, message]) => typeof message === 'string' && message !== '')) as FieldErrors<V>;
}

export function formFieldsReducer<V extends FieldValues, R>(state: FormFieldsState<V, R>, action: FormFieldsAction<V, R>): FormFieldsState<V, R> {
  switch (action.type) {
    case 'change': {
      // Re-picking the same option is not an edit: nothing to clear.
      if (Object.is(state.values[action.name], action.value)) return state;
      return {
        values: { ...state.values, [action.name]: action.value },
        errors: withoutErrors(state.errors, action.clearErrors),
        refusal: action.keepRefusal ? state.refusal : null,
      };
    }
    case 'check':
      // A new attempt: the last refusal no longer applies, the field errors are the new ones.
      return { ...state, errors: presentErrors(action.errors), refusal: null };
    case 'refuse':
      return { ...state, errors: presentErrors(action.errors), refusal: action.refusal };
    case 'reset': {
      const names = Object.keys(action.values) as Array<keyof V>;
      return { ...state, values: { ...state.values, ...action.values }, errors: withoutErrors(state.errors, names) };
    }
    case 'restart':
      return initialFormFields(action.values);
  }
}

export interface FormFieldsOptions<V extends FieldValues, R = unknown> {
  /**
   * Keep the refusal while the person edits: true, e.g. while a "try again in 12 s" countdown
   * explains why the submit button is disabled, or a test of the refusal (one that only
   * "Start again" can get past).
   */
  keepRefusal?: boolean | ((refusal: R) => boolean);
  /** Errors that also go when another field changes (editing the password may fix "does not match"). */
  related?: Partial<Record<keyof V, Array<keyof V>>>;
}

/** What an input needs: spread it onto a TextInput or PasswordInput. */
export interface FieldBinding {
  value: string;
  onChange: (event: { currentTarget: { value: string } }) => void;
  error: string | undefined;
}

export interface FormFields<V extends FieldValues, R> {
  values: V;
  errors: FieldErrors<V>;
  refusal: R | null;
  /** value, onChange and error for one text field. */
  field: (name: TextField<V>) => FieldBinding;
  /** Sets a value that does not come from an input event (a Select, a callback). */
  set: <K extends keyof V>(name: K, value: V[K]) => void;
  /** Shows the errors found before sending (and drops the last refusal); true when there are none. */
  check: (errors: FieldErrors<V>) => boolean;
  /** The server refused: what to say about the form, and optionally under which fields. */
  refuse: (refusal: R | null, errors?: FieldErrors<V>) => void;
  /**
   * Puts the named fields back to their first values, e.g. forgetting a password once it was
   * used; with no names, the whole form as it first was (a dialog closed), errors and refusal too.
   */
  reset: (...names: Array<keyof V>) => void;
}

/** The operations on a form's state, given its dispatch (useFormFields passes React's). */
export function bindFormFields<V extends FieldValues, R>(
  state: FormFieldsState<V, R>,
  dispatch: (action: FormFieldsAction<V, R>) => void,
  initial: V,
  options: FormFieldsOptions<V, R> = {},
): FormFields<V, R> {
  const { keepRefusal } = options;
  const keep = typeof keepRefusal === 'function' ? state.refusal !== null && keepRefusal(state.refusal) : keepRefusal === true;
  const set = <K extends keyof V>(name: K, value: V[K]) =>
    dispatch({ type: 'change', name, value, clearErrors: [name, ...(options.related?.[name] ?? [])], keepRefusal: keep });
  return {
    values: state.values,
    errors: state.errors,
    refusal: state.refusal,
    field: (name) => ({
      value: state.values[name] as string,
      onChange: (event) => set(name, event.currentTarget.value as V[typeof name]),
      error: state.errors[name],
    }),
    set,
    check: (errors) => {
      dispatch({ type: 'check', errors });
      return Object.keys(presentErrors(errors)).length === 0;
    },
    refuse: (refusal, errors = {}) => dispatch({ type: 'refuse', refusal, errors }),
    reset: (...names) =>
      dispatch(
        names.length === 0
          ? { type: 'restart', values: initial }
          : { type: 'reset', values: Object.fromEntries(names.map((name) => [name, initial[name]])) as Partial<V> },
      ),
  };
}

/**
 * A form's values, field errors and refusal. `R` is how the form describes a refusal
 * (a string, or a title with a message).
 */
export function useFormFields<V extends FieldValues, R = string>(initial: V, options?: FormFieldsOptions<V, R>): FormFields<V, R> {
  // The first values are kept: a new object literal on every render must not reset the form.
  const [first] = useState(initial);
  const [state, dispatch] = useReducer(formFieldsReducer<V, R>, first, initialFormFields<V, R>);
  return bindFormFields(state, dispatch, first, options);
}
