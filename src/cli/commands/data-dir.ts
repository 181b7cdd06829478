// Where a command's data lives (decision 1541): --data, $LOCALHUB_DATA, the platform home, or an
// older hub's ./data with a one-line hint to move it. Every command goes through here.
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
