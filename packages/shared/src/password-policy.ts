// One password policy for server and browser (NIST 800-63B): length, no composition rules,
// rejected when common or guessable from the username. The server's verdict is the one that
// counts; the SPA runs the same code for its strength meter.
// The estimator's dictionaries (~1.7 MB of word lists, ~40 MB once in memory) load on the
// first call of loadPasswordPolicy(), never at start: the API serves sign-ins without them and
// the SPA fetches them only with a password meter.
import type { ZxcvbnFactory, ZxcvbnResult } from '@zxcvbn-ts/core';
import { PASSWORD_MAX, PASSWORD_MIN, PASSWORD_MIN_SINGLE_FACTOR } from './identity.ts';

export interface PasswordInput {
  password: string;
  username?: string | undefined;
  hasSecondFactor: boolean;
}
export type EvaluatePassword = (input: PasswordInput) => PasswordVerdict;

let loading: Promise<EvaluatePassword> | undefined;

/** The policy, once its dictionaries are loaded (once per process or page; a failed load is retried). */
export function loadPasswordPolicy(): Promise<EvaluatePassword> {
  loading ??= Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common'), import('@zxcvbn-ts/language-en')]).then(
    ([core, common, en]) => {
      const factory = new core.ZxcvbnFactory({
        dictionary: { ...common.dictionary, ...en.dictionary },
        graphs: common.adjacencyGraphs,
        translations: en.translations,
      });
      return (input: PasswordInput) => evaluateWith(factory, input);
    },
    (err: unknown) => {
      loading = undefined;
      throw err;
    },
  );
  return loading;
}

/** zxcvbn score needed: 3 = "safely unguessable: moderate protection from offline slow-hash attacks". */
export const MIN_PASSWORD_SCORE = 3;

export interface PasswordVerdict {
  ok: boolean;
  /** 0–4 */
  score: number;
  problems: string[];
  suggestions: string[];
}

function evaluateWith(zxcvbn: ZxcvbnFactory, input: PasswordInput): PasswordVerdict {
  const { password } = input;
  const problems: string[] = [];
  const min = input.hasSecondFactor ? PASSWORD_MIN : PASSWORD_MIN_SINGLE_FACTOR;
  const length = [...password].length;
  if (length < min) {
    problems.push(
      input.hasSecondFactor
        ? `Use at least ${min} characters.`
        : `Use at least ${min} characters (${PASSWORD_MIN} once two-factor sign-in is on).`,
    );
  }
  if (length > PASSWORD_MAX) problems.push(`Use at most ${PASSWORD_MAX} characters.`);
  const username = input.username?.normalize('NFKC').toLowerCase();
  if (username && username.length >= 3 && password.normalize('NFKC').toLowerCase().includes(username)) {
    problems.push('Do not build the password from your username.');
  }
  // Bounded input for the estimator: it is quadratic-ish on long inputs.
  const result: ZxcvbnResult = zxcvbn.check(password.slice(0, 256), username ? [username] : []);
  if (result.score < MIN_PASSWORD_SCORE) {
    problems.push(result.feedback.warning ? `Too easy to guess: ${result.feedback.warning}` : 'Too easy to guess: add more unrelated words.');
  }
  return { ok: problems.length === 0, score: result.score, problems, suggestions: result.feedback.suggestions };
}
