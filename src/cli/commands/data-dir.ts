// Where a command's data lives (decision 1541): --data, $LOCALHUB_DATA, the platform home, or an
// older hub's ./data with a one-line hint to move it. Every command goes through here.
import { readdirSync, statSync } from 'node:fs'
import { HubError } from '../../contracts/index.ts'
import { chooseDataDir } from '../../kernel/index.ts'
import { type CommandIo, writeLine } from '../io.ts'

/** Shown in the commands' usage texts. */
export const DATA_DIR_HELP = 'default $LOCALHUB_DATA, else $XDG_DATA_HOME/localhub or ~/.local/share/localhub'

/** The data directory for this command; prints the hint about an older ./data to stderr. */
export function dataDirFor(flag: string | undefined, io: CommandIo): string {
  const choice = chooseDataDir(flag, { env: io.env, cwd: io.cwd })
  if (choice.hint !== undefined) writeLine(io.stderr, `localhub: ${choice.hint}`)
  return choice.dir
}

/** Names only a hub's data directory holds; one of them marks a directory as a hub's. */
const HUB_ENTRIES: ReadonlySet<string> = new Set([
  'events.sqlite',
  'server.json',
  'auth-token',
  'ledger.sqlite',
  'approvals.sqlite',
  'memory.sqlite',
  'rag.sqlite',
  'keys',
  'models',
  'nats',
  'runs',
])

/**
 * Refuses a data directory a command would otherwise fill with a hub's files by mistake: a file,
 * a directory holding other things (`--data /etc`, `--data .` in a project), or, for a command
 * that only reads (`mustExist`), one that does not exist (a typo would open an empty log).
 * A directory that does not exist yet, or is empty, is a new hub's.
 */
export function checkHubDataDir(dir: string, options: { mustExist?: boolean } = {}): void {
  let entries: string[]
  try {
    if (!statSync(dir).isDirectory())
      throw new HubError('E_BAD_REQUEST', `the data directory ${dir} is a file, not a directory (--data)`)
    entries = readdirSync(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    if (options.mustExist === true)
      throw new HubError(
        'E_IO',
        `the data directory ${dir} does not exist: nothing to read (is --data or $LOCALHUB_DATA right?)`,
      )
    return
  }
  if (entries.length === 0 || entries.some((entry) => HUB_ENTRIES.has(entry))) return
  throw new HubError(
    'E_BAD_REQUEST',
    `${dir} is not a hub's data directory (it holds none of events.sqlite, server.json, auth-token, …): give the right --data, or an empty or new directory`,
  )
}
