// Typed errors with exit codes. Only cli/main.ts turns them into process exit status.

export const EXIT = {
  ok: 0,
  /** usage error, no sysfs, unreadable snapshot: nothing useful was printed */
  fatal: 1,
  /** output produced, but at least one probe failed */
  partial: 2,
  /** interrupted by a signal (SIGINT) */
  interrupted: 130,
} as const

export abstract class LsvfioError extends Error {
  abstract readonly exitCode: number
}

/** Bad command line: unknown option, malformed selector. */
export class UsageError extends LsvfioError {
  readonly exitCode = EXIT.fatal
}

/** The host cannot be inspected at all (no sysfs), or a snapshot file is missing or corrupt. */
export class EnvironmentError extends LsvfioError {
  readonly exitCode = EXIT.fatal
}

/** A bug in lsvfio: a state the code believed impossible. */
export class InternalError extends LsvfioError {
  readonly exitCode = EXIT.fatal
}
