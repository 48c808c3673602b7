import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, loggableError } from '../common';

/** A table whose rows die at a time in one of its columns. */
export interface ExpiringTable {
  table: string;
  /** A timestamptz column; a row is removed once it is older than now minus the grace period. */
  column: string;
  /** Seconds a row is kept past its expiry (e.g. so a replayed code is still recognised and audited). */
  graceSeconds: number;
}

/** Milliseconds between sweeps. */
const SWEEP_INTERVAL_MS = 5 * 60 * 1000;
/** Rows deleted per statement, so a large backlog never holds long locks. */
const BATCH = 5000;
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Deletes expired rows (login transactions, authorization codes, later refresh families) so
 * flow-state tables stay small. Modules register their tables at construction; every instance
 * sweeps on an interval, which is safe because deleting an expired row twice is a no-op.
 */
@Injectable()
export class ExpirySweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('sweeper');
  private readonly tables: ExpiringTable[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** @throws Error when a name is not a plain SQL identifier (names come from code, never input). */
  register(t: ExpiringTable): void {
    if (!IDENTIFIER.test(t.table) || !IDENTIFIER.test(t.column)) throw new Error(`not a plain identifier: ${t.table}.${t.column}`);
    this.tables.push({ ...t });
  }

  /** Removes every expired row now. @returns rows deleted per table. */
  async sweep(): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const t of this.tables) {
      const cutoff = new Date(this.clock.now().getTime() - t.graceSeconds * 1000);
      let total = 0;
      for (;;) {
        const [, count] = (await this.dataSource.query(
          `DELETE FROM ${t.table} WHERE ctid IN (SELECT ctid FROM ${t.table} WHERE ${t.column} < $1 LIMIT ${BATCH})`,
          [cutoff],
        )) as [unknown, number];
        total += count;
        if (count < BATCH) break;
      }
      deleted[t.table] = total;
    }
    return deleted;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweep().then(
        (deleted) => this.log.debug({ msg: 'swept expired rows', deleted }),
        (err: unknown) => this.log.warn({ msg: 'sweep failed', err: loggableError(err) }),
      );
    }, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
