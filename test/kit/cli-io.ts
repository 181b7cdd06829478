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

/**
 * `localhub events ARGS` in process, with this process's environment (minus LOCALHUB_REGISTRY) and
 * `dataDir` as LOCALHUB_DATA: the output, and stdout's non-empty lines.
 */
export async function runEventsCommand(
  cwd: string,
  dataDir: string,
  args: string[],
): Promise<{ code: number; out: string; err: string; lines: string[] }> {
  // Imported here so the kit's other users do not load the whole CLI.
  const { main } = await import('../../src/cli/index.ts')
  const env: NodeJS.ProcessEnv = { ...process.env, LOCALHUB_DATA: dataDir }
  delete env.LOCALHUB_REGISTRY
  const { code, stdout, stderr } = await runCommand(
    (commandArgs, io) => main(commandArgs, { ...io, stdin: PassThrough.from(['']) }),
    ['events', ...args],
    { cwd, env },
  )
  return { code, out: stdout, err: stderr, lines: stdout.split('\n').filter((line) => line !== '') }
}
