/**
 * @module Errors with codes. A `UsageError` is the user's mistake (bad flag, bad file, bad row):
 * the CLI prints its one-line message and exits 2, never a stack trace.
 */

/** UsageError is bad input from the user: exit code 2, message names the flag or file and line. */
export class UsageError extends Error {
  readonly code: string
  constructor(message: string, code = 'FL_ERR_USAGE') {
    super(message)
    this.name = 'UsageError'
    this.code = code
  }
}

/** inputError builds the standard "file:line: field: reason" message for a malformed input row. */
export function inputError(file: string, line: number, field: string, reason: string): UsageError {
  return new UsageError(`${file}:${line}: field '${field}': ${reason}`, 'FL_ERR_INPUT')
}
