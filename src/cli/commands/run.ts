import { spawn } from 'node:child_process'
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import { constants } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, guardCommand, UsageError, writeLine } from '../io.ts'
import { DATA_DIR_HELP, dataDirFor } from './data-dir.ts'
import { publishBuildFailure } from './run-publish.ts'

const USAGE = `usage: localhub run [options] -- COMMAND [ARGS...]

Runs COMMAND with the terminal's input, shows its output and keeps a copy of it in
<data>/runs/. When it exits non-zero, publishes event.git.build_failed {project, logPath,
exitCode} to the running hub (else to the data directory's log), so triage can nudge you.
The exit code is COMMAND's (128+N when a signal N ended it, 127 when it could not start).

  --data DIR       data directory (${DATA_DIR_HELP})
  --project NAME   the project named in the event (default: the current folder's name)`

/** Where the output copies go, under the data directory. */
export const RUNS_FOLDER = 'runs'
/** The shell's code for a command that could not be found or started. */
const EXIT_CANNOT_START = 127
/** The shell's convention: a command ended by signal N exits 128+N. */
const EXIT_SIGNAL_BASE = 128

/** A file name part: letters, digits, dot, dash and underscore; anything else becomes '_'. */
function fileSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 24) || 'run'
}

/**
 * <data>/runs/<project>.<time>.<pid>.log. Dots between the parts: the stored event's secret
 * guardrail takes a long unbroken run of letters, digits, '/', '-' and '_' for a token.
 */
function logPathFor(dataDir: string, project: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  return join(dataDir, RUNS_FOLDER, `${fileSafe(project)}.${stamp}.${process.pid}.log`)
}

function signalExitCode(signal: NodeJS.Signals): number {
  return EXIT_SIGNAL_BASE + (constants.signals[signal] ?? 0)
}

/** Runs the command, copying its stdout and stderr to the terminal and to the log; resolves its exit code. */
function runTeed(
  command: string,
  args: string[],
  io: Parameters<CommandGroup>[1],
  log: WriteStream,
): Promise<number> {
  return new Promise((resolveCode) => {
    const child = spawn(command, args, {
      cwd: io.cwd,
      env: io.env,
      stdio: [io.stdin === process.stdin ? 'inherit' : 'ignore', 'pipe', 'pipe'],
    })
    // Ctrl+C reaches the child through the terminal's process group, so this process only waits;
    // a SIGTERM sent to this process alone is passed on, so the child is not left running.
    const ignore = () => {}
    const forward = () => child.kill('SIGTERM')
    process.on('SIGINT', ignore)
    process.on('SIGTERM', forward)
    child.stdout.on('data', (chunk: Buffer) => {
      io.stdout.write(chunk)
      log.write(chunk)
    })
    child.stderr.on('data', (chunk: Buffer) => {
      io.stderr.write(chunk)
      log.write(chunk)
    })
    let settled = false
    const finish = (code: number) => {
      if (settled) return
      settled = true
      process.off('SIGINT', ignore)
      process.off('SIGTERM', forward)
      resolveCode(code)
    }
    child.on('error', (error) => {
      const line = `localhub run: cannot start ${command}: ${error.message}\n`
      io.stderr.write(line)
      log.write(line)
      finish(EXIT_CANNOT_START)
    })
    child.on('close', (code, signal) => {
      finish(signal !== null ? signalExitCode(signal) : (code ?? EXIT_CANNOT_START))
    })
  })
}

function closeLog(log: WriteStream): Promise<void> {
  return new Promise((resolveClosed) => log.end(resolveClosed))
}

const execute: CommandGroup = async (args, io) => {
  const split = args.indexOf('--')
  const own = split === -1 ? args : args.slice(0, split)
  const command = split === -1 ? [] : args.slice(split + 1)
  const { values, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      project: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (printedHelp(values, io, USAGE)) return 0
  if (positionals.length > 0)
    throw new UsageError(`put the command after --: localhub run -- ${positionals.join(' ')}`)
  if (command.length === 0) throw new UsageError('no command given after --')
  if (values.project === '') throw new UsageError('--project must not be empty')
  const dataDir = dataDirFor(values.data, io)
  const project = values.project ?? basename(resolve(io.cwd))
  const logPath = logPathFor(dataDir, project, new Date())
  mkdirSync(join(dataDir, RUNS_FOLDER), { recursive: true })
  const log = createWriteStream(logPath, { mode: 0o600 })
  const exitCode = await runTeed(command[0]!, command.slice(1), io, log)
  await closeLog(log)
  if (exitCode === 0) return 0
  const outcome = await publishBuildFailure(dataDir, { project, logPath, exitCode }, io)
  if (outcome.ok)
    writeLine(
      io.stderr,
      `localhub run: exit code ${exitCode}; event.git.build_failed published to ${outcome.data.where} (log: ${logPath})`,
    )
  else
    writeLine(
      io.stderr,
      `localhub run: exit code ${exitCode}; could not publish event.git.build_failed: ${outcome.error.code}: ${outcome.error.message} (log: ${logPath})`,
    )
  return exitCode
}

export const run: CommandGroup = guardCommand('run', USAGE, execute)
