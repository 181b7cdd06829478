import { setFlagsFromString } from 'node:v8'
import { HubError } from '../../contracts/index.ts'

export const MAX_PATTERN_CHARS = 1000

let linearEngine: boolean | undefined

/**
 * Enables V8's linear-time regex engine (the `l` flag), once per process. It only adds an engine used
 * by regexes that ask for it; every other regex keeps the usual backtracking one. See decision 1009.
 */
function linearEngineAvailable(): boolean {
  if (linearEngine === undefined) {
    try {
      setFlagsFromString('--enable-experimental-regexp-engine')
      const linearFlag = 'l'
      new RegExp('a', linearFlag)
      linearEngine = true
    } catch {
      linearEngine = false
    }
  }
  return linearEngine
}

/** A regex that runs in linear time when the engine is available (used for .gitignore globs too). */
export function linearRegex(source: string, flags = ''): RegExp {
  return new RegExp(source, linearEngineAvailable() ? `${flags}l` : flags)
}

/**
 * Compiles a user's pattern so it runs in time linear in the input: catastrophic backtracking is
 * impossible by construction. Patterns the linear engine cannot run (backreferences, lookaround)
 * are refused with E_VALIDATION.
 */
export function compileSearchRegex(pattern: string, caseSensitive: boolean): RegExp {
  if (pattern.length > MAX_PATTERN_CHARS)
    throw new HubError('E_VALIDATION', `pattern longer than ${MAX_PATTERN_CHARS} characters`)
  if (!linearEngineAvailable()) {
    throw new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      'regex search needs V8 linear-time regexes, which this Node.js lacks; search literally',
    )
  }
  try {
    // m: ^ and $ match at line boundaries, as in grep and ripgrep.
    return new RegExp(pattern, `glm${caseSensitive ? '' : 'i'}`)
  } catch (error) {
    const message = (error as Error).message
    const hint = /linear time/.test(message) ? ' (backreferences and lookaround are not supported)' : ''
    throw new HubError('E_VALIDATION', `invalid search pattern: ${message}${hint}`, {
      details: {
        issues: [
          {
            path: '/query',
            expected: 'a linear-time regular expression',
            got: pattern.slice(0, 80),
            message: message + hint,
          },
        ],
      },
    })
  }
}

export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')
}
