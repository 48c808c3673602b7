/**
 * The logout fields of clients/<id>.yaml (OpenID Connect RP-Initiated Logout 1.0 §3.1
 * `post_logout_redirect_uris`; Back-Channel Logout 1.0 §2.2 `backchannel_logout_uri`,
 * `backchannel_logout_session_required`), validated like every client field (DESIGN.md §4).
 */
import { loadClients } from '../../../src/config';
import { FIXTURE_ENV, removeTrees, VALID_CLIENT, writeTree } from '../config/fixtures';

afterAll(removeTrees);

function load(extra: string) {
  const dir = writeTree({ 'payroll.yaml': VALID_CLIENT + extra });
  return loadClients(dir, FIXTURE_ENV, dir);
}
const problemsFor = (extra: string) => load(extra).problems.map((p) => `${p.field}: ${p.reason}`);

describe('clients/<id>.yaml: logout fields, valid files and defaults', () => {
  it('leaves every logout field absent when none is set', () => {
    const client = load('').items.get('payroll')!;
    expect(client.postLogoutRedirectUris).toBeUndefined();
    expect(client.backchannelLogoutUri).toBeUndefined();
    expect(client.backchannelLogoutSessionRequired).toBeUndefined();
  });

  it('Back-Channel Logout 1.0 §2.2: backchannelLogoutSessionRequired defaults to true with a backchannelLogoutUri', () => {
    const { items, problems, warnings } = load('backchannelLogoutUri: https://payroll.example/logout/backchannel?x=1\npostLogoutRedirectUris: [https://payroll.example/bye, http://127.0.0.1:8080/bye]\n');
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
    expect(items.get('payroll')).toMatchObject({
      backchannelLogoutUri: 'https://payroll.example/logout/backchannel?x=1',
      backchannelLogoutSessionRequired: true,
      postLogoutRedirectUris: ['https://payroll.example/bye', 'http://127.0.0.1:8080/bye'],
    });
  });

  it('keeps backchannelLogoutSessionRequired: false, and http on a loopback host', () => {
    const { items, problems } = load('backchannelLogoutUri: http://127.0.0.1:9999/bc\nbackchannelLogoutSessionRequired: false\n');
    expect(problems).toEqual([]);
    expect(items.get('payroll')).toMatchObject({ backchannelLogoutUri: 'http://127.0.0.1:9999/bc', backchannelLogoutSessionRequired: false });
  });

  it('warns when backchannelLogoutSessionRequired comes without backchannelLogoutUri', () => {
    const { problems, warnings } = load('backchannelLogoutSessionRequired: true\n');
    expect(problems).toEqual([]);
    expect(warnings.map((w) => `${w.field}: ${w.reason}`)).toEqual(['backchannelLogoutSessionRequired: has no effect without backchannelLogoutUri']);
  });
});

describe('clients/<id>.yaml: logout fields, refused values (one reason each)', () => {
  it.each([
    ['postLogoutRedirectUris: https://payroll.example/bye\n', ['postLogoutRedirectUris: must be a list']],
    ['postLogoutRedirectUris: []\n', ['postLogoutRedirectUris: must list at least one value']],
    ['postLogoutRedirectUris: [42]\n', ['postLogoutRedirectUris: must be a list of strings']],
    ['postLogoutRedirectUris: [/bye]\n', ['postLogoutRedirectUris[0]: must be an absolute URL']],
    ['postLogoutRedirectUris: [http://payroll.example/bye]\n', ['postLogoutRedirectUris[0]: http is only allowed for loopback hosts (localhost, 127.0.0.1, [::1]); use https']],
    ['postLogoutRedirectUris: ["https://payroll.example/bye#x"]\n', ['postLogoutRedirectUris[0]: must not contain a fragment (RFC 6749 §3.1.2)']],
    ['postLogoutRedirectUris: ["https://*.payroll.example/bye"]\n', ['postLogoutRedirectUris[0]: wildcards are not supported: redirect URIs are matched exactly (RFC 9700 §4.1.3)']],
    ['postLogoutRedirectUris: ["javascript:alert(1)"]\n', ['postLogoutRedirectUris[0]: scheme javascript: is not allowed']],
    ['postLogoutRedirectUris: [https://payroll.example/bye, https://payroll.example/bye]\n', ['postLogoutRedirectUris[1]: is listed twice']],
    ['backchannelLogoutUri: [https://payroll.example/bc]\n', ['backchannelLogoutUri: must be a string']],
    ['backchannelLogoutUri: ""\n', ['backchannelLogoutUri: must not be empty']],
    ['backchannelLogoutUri: payroll.example/bc\n', ['backchannelLogoutUri: must be an absolute URL']],
    ['backchannelLogoutUri: http://payroll.example/bc\n', ['backchannelLogoutUri: http is only allowed for loopback hosts (localhost, 127.0.0.1, [::1]); use https']],
    ['backchannelLogoutUri: com.example.app:/bc\n', ['backchannelLogoutUri: must be an https URL']],
    ['backchannelLogoutUri: "https://payroll.example/bc#frag"\n', ['backchannelLogoutUri: must not contain a fragment (Back-Channel Logout 1.0 §2.2)']],
    ['backchannelLogoutUri: https://user:pw@payroll.example/bc\n', ['backchannelLogoutUri: must not contain credentials']],
    ['backchannelLogoutUri: https://payroll.example/bc\nbackchannelLogoutSessionRequired: "yes"\n', ['backchannelLogoutSessionRequired: must be true or false']],
  ])('%s', (extra, expected) => {
    expect(problemsFor(extra)).toEqual(expected);
  });
});
