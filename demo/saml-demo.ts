/**
 * The SAML half of `npm run demo` (issue 9 item 9): a samlify IdP with the demo users (alice,
 * bob, carol, `<name>-password`) at http://127.0.0.1:3002, configured in Tessera as provider
 * `demo-saml` (providers/demo-saml.yaml, metadata read from the IdP's /metadata). It runs on
 * 127.0.0.1 while Tessera is on localhost, so its HTTP-POST to the ACS is a real cross-site POST.
 * `idp_hint=demo-saml` goes straight to it; the chooser lists it.
 * Environment: DEMO_SAML_PORT (default 3002; providers/demo-saml.yaml names it), TESSERA_ISSUER.
 */
import { startSamlIdp, type RunningSamlIdp } from './saml-idp';

/** Starts the demo SAML IdP answering Tessera's `demo-saml` provider. */
export async function startSamlDemo(env: NodeJS.ProcessEnv = process.env): Promise<RunningSamlIdp> {
  const port = Number(env.DEMO_SAML_PORT ?? 3002);
  const issuer = (env.TESSERA_ISSUER ?? 'http://localhost:3000').replace(/\/+$/, '');
  const idp = await startSamlIdp({ port, host: '127.0.0.1' });
  idp.setServiceProvider({ entityId: `${issuer}/federation/saml/demo-saml/metadata`, acsUrl: `${issuer}/federation/saml/demo-saml/acs` });
  return idp;
}

/** `npm run demo` hook (demo/start.cjs): starts the IdP and prints one banner line; stops with the process. */
export async function main(): Promise<void> {
  try {
    const idp = await startSamlDemo();
    console.log(`  Demo SAML IdP      ${idp.url}  (provider demo-saml; try ${process.env.TESSERA_ISSUER ?? 'http://localhost:3000'}/demo/ with the chooser, same users)\n`);
  } catch (err) {
    console.error(`demo: the SAML IdP could not start: ${err instanceof Error ? err.message : String(err)}`);
  }
}
