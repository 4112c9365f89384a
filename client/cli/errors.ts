/** Exit codes of `p2c` and the one error type that means "the user asked for something we cannot do". */
import type { RunOutcome } from './runs';

export const EXIT = {
  completed: 0,
  usage: 1,
  completedWithWarnings: 2,
  failed: 3,
  cancelled: 4,
} as const;

/** A run's outcome as a process exit code, so scripts can branch on `p2c sync --wait`. */
export function exitCodeOf(outcome: RunOutcome): number {
  switch (outcome) {
    case 'Completed':
      return EXIT.completed;
    case 'CompletedWithWarnings':
      return EXIT.completedWithWarnings;
    case 'Canceled':
      return EXIT.cancelled;
    default:
      return EXIT.failed;
  }
}

/** Printed as one line (`p2c: <message>`) with exit code 1: a wrong argument, setting or run id. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
