/** One readiness check's answer: `ok`, and for operators a short reason when not (never a secret). */
export interface ReadinessResult {
  ok: boolean;
  detail?: string;
}

/** A named readiness check: resolves its answer; a throw counts as not ready. */
export type ReadinessCheck = () => Promise<ReadinessResult>;

/**
 * The registry of readiness checks behind `GET /health/ready` (issue 13 item 4). Any module
 * registers a check at construction (e.g. tokens/: "revocation listener caught up") without an
 * import edge to the health endpoint: the composition root provides one instance to every module.
 * Names are unique; registering a name again replaces its check.
 */
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  /** Adds (or replaces) the check called `name`. */
  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** The registered checks, in registration order. */
  entries(): Array<[string, ReadinessCheck]> {
    return [...this.checks.entries()];
  }
}
