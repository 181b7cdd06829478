import type { Readable, Writable } from 'node:stream'

/** What a command may touch of the outside world; tests pass their own. */
export interface CommandIo {
  stdin: Readable
  stdout: Writable
  stderr: Writable
  env: NodeJS.ProcessEnv
  cwd: string
}

/** A command group (`registry`, `events`, ...) takes the words after its name and returns an exit code. */
export type CommandGroup = (args: string[], io: CommandIo) => Promise<number>

export function processIo(): CommandIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  }
}

export function writeLine(stream: Writable, line: string): void {
  stream.write(line.endsWith('\n') ? line : `${line}\n`)
}

/** A mistake in how a command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/**
 * Wraps a command's body: `--help`/`-h` prints the usage (exit 0); usage mistakes (UsageError, node:util parseArgs errors) print the usage
 * and exit 2; a HubError prints its code and message and exits 1; anything else is unexpected.
 */
export function guardCommand(name: string, usage: string, execute: CommandGroup): CommandGroup {
  return async (args, io) => {
    // `--help` or `-h` anywhere before `--` (after a verb too) shows the usage, not a refusal.
    const end = args.indexOf('--')
    const own = end === -1 ? args : args.slice(0, end)
    if (own.includes('--help') || own.includes('-h')) {
      writeLine(io.stdout, usage)
      return 0
    }
    try {
      return await execute(args, io)
    } catch (error) {
      if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
        writeLine(io.stderr, `localhub ${name}: ${(error as Error).message}\n\n${usage}`)
        return 2
      }
      const code = (error as { code?: unknown }).code
      const message =
        error instanceof Error && typeof code === 'string' && code.startsWith('E_')
          ? `${code}: ${error.message}`
          : `unexpected error: ${(error as Error)?.message}`
      writeLine(io.stderr, `localhub ${name}: ${message}`)
      return 1
    }
  }
}
