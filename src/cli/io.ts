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
