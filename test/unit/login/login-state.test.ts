import { LOGIN_TRANSITIONS, canTransition, decideEntry, type EntryDecision, type LoginState } from '../../../src/login/login-state.rules';

const STATES: LoginState[] = ['started', 'upstream', 'identified', 'pending_link', 'done', 'failed'];

describe('login transaction state machine (DESIGN.md §1)', () => {
  const allowed: Array<[LoginState, LoginState]> = [
    ['started', 'upstream'],
    ['started', 'failed'], // the chosen provider cannot be reached
    ['upstream', 'identified'],
    ['upstream', 'upstream'], // Back to the chooser, another provider picked before any answer
    ['upstream', 'failed'], // that provider cannot be reached
    ['identified', 'done'],
    ['identified', 'failed'],
    ['identified', 'pending_link'],
    ['pending_link', 'done'],
    ['pending_link', 'failed'],
  ];

  it.each(STATES.flatMap((from) => STATES.map((to) => [from, to] as const)))('%s → %s is allowed only when listed', (from, to) => {
    expect(canTransition(from, to)).toBe(allowed.some(([f, t]) => f === from && t === to));
  });

  it('done and failed are final; every state is reachable from started', () => {
    expect(LOGIN_TRANSITIONS.done).toEqual([]);
    expect(LOGIN_TRANSITIONS.failed).toEqual([]);
    const seen = new Set<LoginState>(['started']);
    for (let grew = true; grew; ) {
      grew = false;
      for (const s of [...seen]) for (const t of LOGIN_TRANSITIONS[s]) if (!seen.has(t)) (seen.add(t), (grew = true));
    }
    expect([...seen].sort()).toEqual([...STATES].sort());
  });
});

describe('decideEntry: prompt and the SSO decision belong to the login flow (OIDC Core §3.1.2.1, §3.1.2.6)', () => {
  it.each<[string, string | undefined, EntryDecision]>([
    ['OIDC Core §3.1.2.6: prompt=none without a broker session → login_required', 'none', { kind: 'fail', code: 'authorize.login_required' }],
    ['OIDC Core §3.1.2.1: prompt=login forces re-authentication upstream', 'login', { kind: 'upstream', forceAuthn: true, selectAccount: false }],
    ['OIDC Core §3.1.2.1: prompt=login among other values still forces it', 'select_account login', { kind: 'upstream', forceAuthn: true, selectAccount: true }],
    ['no prompt: an ordinary upstream login', undefined, { kind: 'upstream', forceAuthn: false, selectAccount: false }],
    ['OIDC Core §3.1.2.1: prompt=select_account is passed on, without forcing re-authentication', 'select_account', { kind: 'upstream', forceAuthn: false, selectAccount: true }],
  ])('%s', (_title, prompt, expected) => {
    expect(decideEntry({ prompt })).toEqual(expected);
  });
});

describe('decideEntry with a live broker session that may answer (DESIGN.md §1 step 2, OIDC Core §3.1.2.1)', () => {
  it.each<[string, string | undefined, EntryDecision]>([
    ['single sign-on: the session answers', undefined, { kind: 'reuse' }],
    ['OIDC Core §3.1.2.1: prompt=none succeeds silently with a session', 'none', { kind: 'reuse' }],
    ['OIDC Core §3.1.2.1: prompt=select_account lets the user choose again', 'select_account', { kind: 'upstream', forceAuthn: false, selectAccount: true }],
  ])('%s', (_title, prompt, expected) => {
    expect(decideEntry({ prompt }, true)).toEqual(expected);
  });
});
