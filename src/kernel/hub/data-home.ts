import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'

/** The data directory before issue 19: `./data` under whatever folder the command ran in. */
export const LEGACY_DATA_DIR = './data'
/** Names the data directory outright (after --data). */
export const DATA_DIR_ENV_VARIABLE = 'LOCALHUB_DATA'
/** The folder under $XDG_DATA_HOME (or ~/.local/share) that is the hub's home. */
export const DATA_HOME_FOLDER = 'localhub'
/** Files only localhub writes: a `./data` with one of them is an older hub's data, not any folder. */
const HUB_MARKER_FILES = [
  'events.sqlite',
  'auth-token',
  'server.json',
  'memory.sqlite',
  'rag.sqlite',
  'ledger.sqlite',
] as const

type Environment = Readonly<Record<string, string | undefined>>

/**
 * The platform's home for the data when nothing names another: $LOCALHUB_DATA, else
 * $XDG_DATA_HOME/localhub (only an absolute XDG_DATA_HOME counts, as the XDG spec says), else
 * ~/.local/share/localhub. The same answer from every folder, so every command finds the hub.
 */
export function defaultDataDir(env: Environment, cwd: string = process.cwd()): string {
  const named = env[DATA_DIR_ENV_VARIABLE]
  if (named !== undefined && named !== '') return resolve(cwd, named)
  const xdg = env.XDG_DATA_HOME
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, DATA_HOME_FOLDER)
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir()
  return join(home, '.local', 'share', DATA_HOME_FOLDER)
}

/** True when `dir` holds files a hub wrote (an event log, its token or its server record). */
export function looksLikeHubData(dir: string): boolean {
  return HUB_MARKER_FILES.some((name) => existsSync(join(dir, name)))
}

export interface DataDirChoice {
  /** Absolute path of the data directory to use. */
  readonly dir: string
  /** How it was chosen, for messages and `localhub data where`. */
  readonly source: 'flag' | 'env' | 'legacy' | 'platform'
  /** A one-line hint for the person when an older `./data` sits next to them. */
  readonly hint?: string
}

/**
 * Where a command's data lives: --data, then $LOCALHUB_DATA, then the platform home. A `./data`
 * that an older hub wrote keeps working while the platform home does not exist yet (decision 1541):
 * it is used, with a hint to move it; once the home exists, the home wins.
 */
export function chooseDataDir(
  flag: string | undefined,
  context: { env: Environment; cwd: string },
): DataDirChoice {
  if (flag !== undefined) return { dir: resolve(context.cwd, flag), source: 'flag' }
  const named = context.env[DATA_DIR_ENV_VARIABLE]
  const platform = defaultDataDir(context.env, context.cwd)
  if (named !== undefined && named !== '') return { dir: platform, source: 'env' }
  const legacy = resolve(context.cwd, LEGACY_DATA_DIR)
  if (legacy === platform || !looksLikeHubData(legacy)) return { dir: platform, source: 'platform' }
  if (existsSync(platform)) return { dir: platform, source: 'platform' }
  return {
    dir: legacy,
    source: 'legacy',
    hint: `using ${legacy} (the old default); move it to ${platform} with \`localhub data move\`, or pass --data`,
  }
}
