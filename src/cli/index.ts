/**
 * What the rest of Tessera may use of cli/: the provider snapshots `tessera providers plan`
 * compares against, recorded by the server at start (issue 13 item 8).
 */
export { recordProviderSnapshots } from './commands/providers-plan';
