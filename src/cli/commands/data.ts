import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { HubError } from '../../contracts/index.ts'
import {
  chooseDataDir,
  defaultDataDir,
  findRunningServer,
  LEGACY_DATA_DIR,
  readServerInfo,
} from '../../kernel/index.ts'
import { parseArgs } from '../args.ts'
import { type CommandGroup, type CommandIo, guardCommand, UsageError, writeLine } from '../io.ts'

const USAGE = `usage: localhub data <where|move> [options]

  where [--data DIR]            print the data directory commands use here, and why
  move [--from DIR] [--to DIR]  move an older hub's data (default --from ./data) to its home
                                (default --to $LOCALHUB_DATA, $XDG_DATA_HOME/localhub or
                                ~/.local/share/localhub); refused while a hub runs from either`

const SOURCES = {
  flag: 'from --data',
  env: 'from $LOCALHUB_DATA',
  legacy: 'an older ./data in this folder (move it with `localhub data move`)',
  platform: 'the platform home for the data',
} as const

function isEmptyFolder(path: string): boolean {
  return statSync(path).isDirectory() && readdirSync(path).length === 0
}

/** A hub whose pid is alive counts even if its /health does not answer right now. */
async function hubRunningFrom(dir: string): Promise<string | undefined> {
  const running = await findRunningServer(dir)
  if (running !== undefined) return running.url
  const info = readServerInfo(dir)
  if (info === undefined) return undefined
  try {
    process.kill(info.pid, 0)
    return info.url
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? info.url : undefined
  }
}

/** Moves a folder; across file systems rename fails (EXDEV), so it copies then removes. */
function moveFolder(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true, mode: 0o700 })
  if (existsSync(to)) rmdirSync(to)
  try {
    renameSync(from, to)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error
    cpSync(from, to, { recursive: true, preserveTimestamps: true, errorOnExist: true })
    rmSync(from, { recursive: true, force: true })
  }
}

async function move(values: { from?: string; to?: string }, io: CommandIo): Promise<number> {
  const from = resolve(io.cwd, values.from ?? LEGACY_DATA_DIR)
  const to = values.to === undefined ? defaultDataDir(io.env, io.cwd) : resolve(io.cwd, values.to)
  if (!existsSync(from)) throw new HubError('E_BAD_REQUEST', `nothing to move: ${from} does not exist`)
  if (!statSync(from).isDirectory()) throw new HubError('E_BAD_REQUEST', `${from} is not a folder`)
  if (from === to) throw new HubError('E_BAD_REQUEST', `${from} is already the data directory`)
  if (to.startsWith(`${from}/`))
    throw new HubError('E_BAD_REQUEST', `cannot move ${from} into itself (${to})`)
  for (const dir of [from, to]) {
    const url = existsSync(dir) ? await hubRunningFrom(dir) : undefined
    if (url !== undefined)
      throw new HubError(
        'E_BAD_REQUEST',
        `a hub is running from ${dir} (${url}); stop it first (Ctrl+C, or \`localhub service uninstall\`), then move`,
      )
  }
  if (existsSync(to) && !isEmptyFolder(to))
    throw new HubError(
      'E_BAD_REQUEST',
      `${to} already holds data; move it away first, or choose another place with --to DIR`,
    )
  try {
    moveFolder(from, to)
  } catch (error) {
    throw new HubError('E_IO', `could not move ${from} to ${to}: ${(error as Error).message}`, {
      cause: error,
    })
  }
  writeLine(io.stdout, `moved ${from} → ${to}`)
  writeLine(
    io.stdout,
    values.to === undefined
      ? 'Every command now finds it from any folder.'
      : `Use it with --data ${to} or LOCALHUB_DATA=${to}.`,
  )
  return 0
}

export const run: CommandGroup = guardCommand('data', USAGE, async (args, io) => {
  const [verb, ...rest] = args
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    writeLine(io.stdout, USAGE)
    return verb === undefined ? 2 : 0
  }
  if (verb === 'where') {
    const { values } = parseArgs({ args: rest, options: { data: { type: 'string' } }, strict: true })
    const choice = chooseDataDir(values.data, { env: io.env, cwd: io.cwd })
    writeLine(io.stdout, `${choice.dir}  (${SOURCES[choice.source]})`)
    return 0
  }
  if (verb === 'move') {
    const { values } = parseArgs({
      args: rest,
      options: { from: { type: 'string' }, to: { type: 'string' } },
      strict: true,
    })
    return move(values, io)
  }
  throw new UsageError(`unknown verb '${verb}'`)
})
