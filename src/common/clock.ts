/**
 * Injected time source (DESIGN.md §9): domain code never calls Date.now() directly,
 * so fixtures with fixed timestamps run at their own time.
 */
export abstract class Clock {
  /** Current time. */
  abstract now(): Date;
  /** Current time in whole seconds since the epoch (JWT NumericDate, RFC 7519 §2). */
  nowSeconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }
}

/** The wall clock. */
export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

/** A clock that stands still until moved; for tests. */
export class FixedClock extends Clock {
  constructor(private current: Date) {
    super();
  }
  now(): Date {
    return new Date(this.current.getTime());
  }
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
