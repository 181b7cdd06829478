import { HubError } from '../contracts/index.ts'

const CORRUPTION_CODES = new Set([
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_CORRUPT_VTAB',
  'SQLITE_CORRUPT_SEQUENCE',
  'SQLITE_CORRUPT_INDEX',
])

/** The commands that get a usable log back from a damaged file. */
export function recoveryHint(file: string): string {
  const quoted = `'${file.replaceAll("'", "'\\''")}'`
  return (
    `recover what is readable with: sqlite3 ${quoted} .recover | sqlite3 ${quoted}.recovered ` +
    `&& mv ${quoted} ${quoted}.corrupt && mv ${quoted}.recovered ${quoted} ` +
    `(Debian: apt-get install sqlite3); or move the file aside (mv ${quoted} ${quoted}.corrupt) to start an empty log`
  )
}

export function corruptFileError(file: string, problem: string, cause?: unknown): HubError {
  return new HubError('E_IO', `event log ${file} is damaged (${problem}); ${recoveryHint(file)}`, {
    details: { file, problem, recovery: recoveryHint(file) },
    cause,
  })
}

function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** Maps an SQLite failure onto a HubError that names the file and, for damage, the recovery command. */
export function storeError(error: unknown, file: string, action: string): HubError {
  if (error instanceof HubError) return error
  const code = sqliteCode(error) ?? ''
  const message = error instanceof Error ? error.message : String(error)
  if (CORRUPTION_CODES.has(code) || code.startsWith('SQLITE_CORRUPT'))
    return corruptFileError(file, message, error)
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY')) {
    return new HubError(
      'E_RESOURCE_LIMIT',
      `event log ${file} stayed locked by another process while ${action}`,
      {
        details: { file },
        cause: error,
      },
    )
  }
  if (code === 'SQLITE_FULL')
    return new HubError('E_RESOURCE_LIMIT', `disk full while ${action} (${file})`, {
      details: { file },
      cause: error,
    })
  return new HubError('E_IO', `event log ${file}: ${action} failed: ${message}`, {
    details: { file, sqliteCode: code },
    cause: error,
  })
}
