import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findExecutable } from '../../skill-api/index.ts'
import { parseArgs } from '../args.ts'
import { type CommandGroup, type CommandIo, guardCommand, UsageError, writeLine } from '../io.ts'
import { wholeNumberFlag } from '../number-flag.ts'
import { DATA_DIR_HELP, dataDirFor } from './data-dir.ts'
import { SERVICE_NAME, serviceUnit, unitFilePath } from './service-unit.ts'

const USAGE = `usage: localhub service <install|uninstall|status> [options]

Runs the hub as a systemd user service: started at login, restarted when it fails.

  install     write ~/.config/systemd/user/${SERVICE_NAME}.service, enable and start it
    --data DIR        data directory (${DATA_DIR_HELP})
    --manifest FILE   hub manifest
    --host HOST, --port PORT
    --no-start        only write the unit
  uninstall   stop and disable it, remove the unit
  status      whether it is installed and running

Logs: journalctl --user -u ${SERVICE_NAME} -f`

const BIN_PATH = fileURLToPath(new URL('../../../bin/localhub.js', import.meta.url))
const UNIT = `${SERVICE_NAME}.service`
const LOGS_HINT = `Logs: journalctl --user -u ${SERVICE_NAME} -f`

export interface SystemctlResult {
  code: number
  output: string
}
/** Runs `systemctl --user <args>`; undefined when systemctl is not installed. */
export type Systemctl = (args: string[], io: CommandIo) => Promise<SystemctlResult | undefined>

export const realSystemctl: Systemctl = async (args, io) => {
  const program = findExecutable('systemctl', io.env)
  if (program === undefined) return undefined
  return new Promise((resolveResult) => {
    const child = spawn(program, ['--user', ...args], { env: io.env as NodeJS.ProcessEnv, stdio: 'pipe' })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    child.on('error', (error) => resolveResult({ code: 1, output: error.message }))
    child.on('close', (code) => resolveResult({ code: code ?? 1, output: output.trim() }))
  })
}

function homeOf(io: CommandIo): string {
  return io.env.HOME !== undefined && io.env.HOME !== '' ? io.env.HOME : homedir()
}

async function install(args: string[], io: CommandIo, systemctl: Systemctl): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: 'string' },
      manifest: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'no-start': { type: 'boolean' },
    },
    strict: true,
  })
  // 0 (any free port) is refused: a service needs a port its clients know.
  const port =
    values.port === undefined ? undefined : wholeNumberFlag(values.port, '--port', { min: 1, max: 65535 })
  const dataDir = dataDirFor(values.data, io)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const path = unitFilePath(io.env, homeOf(io))
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(
    path,
    serviceUnit({
      nodePath: process.execPath,
      binPath: BIN_PATH,
      dataDir,
      ...(values.manifest === undefined ? {} : { manifestPath: resolve(io.cwd, values.manifest) }),
      ...(values.host === undefined ? {} : { host: values.host }),
      ...(port === undefined ? {} : { port }),
      env: io.env,
    }),
    { mode: 0o644 },
  )
  writeLine(io.stdout, `wrote ${path} (data: ${dataDir})`)
  const enable = `systemctl --user daemon-reload && systemctl --user enable --now ${UNIT}`
  if (values['no-start']) {
    writeLine(io.stdout, `start it with: ${enable}`)
    writeLine(io.stdout, LOGS_HINT)
    return 0
  }
  const reload = await systemctl(['daemon-reload'], io)
  const started = reload?.code === 0 ? await systemctl(['enable', '--now', UNIT], io) : reload
  if (started === undefined || started.code !== 0) {
    const why = started === undefined ? 'systemctl is not installed' : started.output.split('\n')[0]
    writeLine(io.stderr, `localhub service: the unit is written but not started (${why}); run: ${enable}`)
    return 1
  }
  writeLine(io.stdout, `${UNIT} is enabled and started; it restarts when it fails.`)
  writeLine(
    io.stdout,
    `To keep it running after you log out: loginctl enable-linger ${io.env.USER ?? '$USER'}`,
  )
  writeLine(io.stdout, LOGS_HINT)
  return 0
}

async function uninstall(io: CommandIo, systemctl: Systemctl): Promise<number> {
  const path = unitFilePath(io.env, homeOf(io))
  if (!existsSync(path)) {
    writeLine(io.stdout, `not installed (no ${path})`)
    return 0
  }
  // Stopping may fail when the user manager never loaded it; the file goes either way.
  const stopped = await systemctl(['disable', '--now', UNIT], io)
  rmSync(path, { force: true })
  await systemctl(['daemon-reload'], io)
  writeLine(io.stdout, `removed ${path}${stopped?.code === 0 ? ` and stopped ${UNIT}` : ''}`)
  return 0
}

async function status(io: CommandIo, systemctl: Systemctl): Promise<number> {
  const path = unitFilePath(io.env, homeOf(io))
  if (!existsSync(path)) {
    writeLine(io.stdout, `not installed; install with \`localhub service install\``)
    return 3
  }
  const exec = /^ExecStart=(.*)$/m.exec(readFileSync(path, 'utf8'))?.[1] ?? '?'
  writeLine(io.stdout, `installed: ${path}`)
  writeLine(io.stdout, `runs: ${exec}`)
  const active = await systemctl(['is-active', UNIT], io)
  writeLine(
    io.stdout,
    `state: ${active === undefined ? 'unknown (systemctl is not installed)' : active.output || 'unknown'}`,
  )
  writeLine(io.stdout, LOGS_HINT)
  return active?.code === 0 ? 0 : 3
}

/** The command with a systemctl of the caller's choosing (tests record the calls). */
export function serviceCommand(systemctl: Systemctl): CommandGroup {
  return guardCommand('service', USAGE, async (args, io) => {
    const [verb, ...rest] = args
    if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
      writeLine(io.stdout, USAGE)
      return verb === undefined ? 2 : 0
    }
    if (verb === 'install') return install(rest, io, systemctl)
    if (rest.length > 0) throw new UsageError(`${verb} takes no options`)
    if (verb === 'uninstall') return uninstall(io, systemctl)
    if (verb === 'status') return status(io, systemctl)
    throw new UsageError(`unknown verb '${verb}'`)
  })
}

export const run: CommandGroup = serviceCommand(realSystemctl)
