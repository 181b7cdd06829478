import { HubError } from '../../contracts/index.ts'

/**
 * Lines that say a build failed, as regular expressions (case-insensitive). A first capture group,
 * when a line has one, is the exit code; a failure without one has exit code 1.
 */
export const DEFAULT_BUILD_FAILURE_PATTERNS: readonly string[] = [
  // "Process exited with code 2", "exit status 1", "exit code: 127" (never code 0).
  String.raw`\bexit(?:ed)?(?: with)? (?:code|status)[:= ]+([1-9]\d*)\b`,
  // yarn and execa: "Command failed with exit code 1."
  String.raw`\bcommand failed with exit code ([1-9]\d*)`,
  // make: "make: *** [Makefile:3: all] Error 2"
  String.raw`^make(?:\[\d+\])?: \*\*\* .*\bError ([1-9]\d*)`,
  // npm: "npm ERR! code ELIFECYCLE" and the other npm ERR! lines; npm 10's "npm error code 1".
  String.raw`^npm (?:ERR!|error) (?:code|errno) ([1-9]\d*)\b`,
  '^npm ERR!',
  // Gradle, Maven, CTest, pytest summaries: "BUILD FAILED", "FAILED (failures=1)", "[ERROR] BUILD FAILURE".
  String.raw`\bBUILD FAIL(?:ED|URE)\b`,
  String.raw`^FAILED\b`,
]

/** Exit code of a failure line that names none. */
export const DEFAULT_BUILD_FAILURE_EXIT_CODE = 1

/** Compiles the manifest's patterns (or the defaults); a bad one is a validation error naming it. */
export function compileFailurePatterns(patterns: readonly string[]): RegExp[] {
  return patterns.map((pattern, index) => {
    try {
      return new RegExp(pattern, 'im')
    } catch (error) {
      throw new HubError(
        'E_VALIDATION',
        `failurePatterns[${index}] is not a regular expression: ${(error as Error).message}`,
      )
    }
  })
}

/**
 * Whether a line reports a failure, and its exit code when it names one (undefined otherwise):
 * `{exitCode: undefined}` is a failure without a code, `undefined` no failure at all.
 */
export function failureOf(
  line: string,
  patterns: readonly RegExp[],
): { exitCode: number | undefined } | undefined {
  for (const pattern of patterns) {
    const match = pattern.exec(line)
    if (match === null) continue
    const code = match[1] === undefined ? Number.NaN : Number(match[1])
    return { exitCode: Number.isSafeInteger(code) ? code : undefined }
  }
  return undefined
}
