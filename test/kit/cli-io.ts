import { PassThrough, type Readable, type Writable } from 'node:stream'

/** What a CLI command group takes (src/cli/io.ts's CommandIo), built from memory streams. */
interface MemoryIo {
  stdin: Readable
  stdout: Writable
  stderr: Writable
  env: NodeJS.ProcessEnv
  cwd: string
}

export interface CommandOutcome {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs one command group in process with captured output; `dataDir`, when given, is the data
 * directory (LOCALHUB_DATA). The environment holds nothing else unless `env` adds it.
 */
export async function runCommand(
  run: (args: string[], io: MemoryIo) => Promise<number>,
  args: string[],
  options: { cwd: string; dataDir?: string; env?: Record<string, string | undefined> },
): Promise<CommandOutcome> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const chunks = { stdout: '', stderr: '' }
  stdout.on('data', (data) => (chunks.stdout += data))
  stderr.on('data', (data) => (chunks.stderr += data))
  const io: MemoryIo = {
    stdin: new PassThrough(),
    stdout,
    stderr,
    env: { ...(options.dataDir === undefined ? {} : { LOCALHUB_DATA: options.dataDir }), ...options.env },
    cwd: options.cwd,
  }
  const code = await run(args, io)
  return { code, ...chunks }
}
