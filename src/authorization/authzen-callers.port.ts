/**
 * Who may call the AuthZEN API (issue 11 item 5): confidential clients whose file says
 * `authzen: true`, authenticated with HTTP Basic (their client secret) or with an access token
 * Tessera issued them by the client-credentials grant. authorization/ knows neither clients nor
 * tokens (DESIGN.md §2), so the composition root binds this port to both.
 */
export abstract class AuthzenCallers {
  /**
   * The calling client's id from an `Authorization` header, or undefined when it is missing,
   * malformed, or does not authenticate a client.
   */
  abstract authenticate(authorization: string | undefined): Promise<{ clientId: string; authzen: boolean } | undefined>;
}

/** Without a binding nobody may call the AuthZEN API. */
export class NoAuthzenCallers extends AuthzenCallers {
  async authenticate(): Promise<undefined> {
    return undefined;
  }
}
