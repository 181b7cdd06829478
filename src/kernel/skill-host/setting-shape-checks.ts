import { closestMatch } from '../../contracts/index.ts'
import type { ManifestProblem } from '../../manifest/index.ts'
import type { SkillModule } from '../../skill-api/index.ts'

// A skill's config and policies, walked against the shapes its module declares (configShape,
// policyShape): a key the module does not read is refused where it is, not ignored at run time.

type SettingShape = NonNullable<SkillModule['policyShape']>
type ShapeEntry = SettingShape[string]

/** Which part of the entry is walked, in the words its messages use. */
export interface ShapeWalk {
  /** The module's name, as the messages say it. */
  readonly module: string
  /** `setting` for config, `policy` for policies. */
  readonly noun: 'setting' | 'policy'
  /** What the fix says when the module takes no key at all here. */
  readonly takesNothing: string
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

export function pointerToken(key: string | number): string {
  return String(key).replaceAll('~', '~0').replaceAll('/', '~1')
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list'
  if (isMap(value)) return 'a map'
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : String(value)
}

/**
 * An unknown key of a map the module reads: its pointer (at the key), what would happen, and a fix
 * naming the known keys with the nearest one first (`did you mean maxToastsPerHour?`).
 */
export function unknownKeyProblem(
  walk: ShapeWalk,
  pointer: string,
  name: string,
  key: string,
  known: readonly string[],
): ManifestProblem {
  const guess = closestMatch(key, known)
  const listed = known.join(', ')
  return {
    path: `${pointer}/${pointerToken(key)}`,
    atKey: true,
    problem: `module ${walk.module} has no ${walk.noun} ${name}, so it would be ignored`,
    fix:
      known.length === 0
        ? walk.takesNothing
        : guess === undefined
          ? `use one of: ${listed}`
          : `did you mean ${guess}? (the keys here: ${listed})`,
    expected: known.join(' | ') || 'no keys',
    got: key,
  }
}

/** `[shape]` (a list of maps), a shape (a map), or undefined when the value is not looked into. */
function nestedShape(entry: ShapeEntry | undefined): { list: boolean; shape: SettingShape } | undefined {
  if (Array.isArray(entry))
    return isMap(entry[0]) ? { list: true, shape: entry[0] as SettingShape } : undefined
  return isMap(entry) ? { list: false, shape: entry as SettingShape } : undefined
}

/**
 * Problems of `value` at `pointer` (`name` is how the messages call it: rateLimits, ladder[0]):
 * every key of a map the shape describes must be one of its keys, and a key described as a map or
 * a list of maps must hold one (null counts as absent: the module takes its defaults).
 */
export function keysProblems(
  walk: ShapeWalk,
  value: Readonly<Record<string, unknown>>,
  shape: SettingShape,
  pointer: string,
  name: string,
): ManifestProblem[] {
  const problems: ManifestProblem[] = []
  const known = Object.keys(shape)
  for (const [key, inner] of Object.entries(value)) {
    const here = name === '' ? key : `${name}.${key}`
    if (!Object.hasOwn(shape, key)) {
      problems.push(unknownKeyProblem(walk, pointer, here, key, known))
      continue
    }
    problems.push(...valueProblems(walk, inner, shape[key], `${pointer}/${pointerToken(key)}`, here))
  }
  return problems
}

/** What a key's value holds, against the key's entry in the shape. */
export function valueProblems(
  walk: ShapeWalk,
  value: unknown,
  entry: ShapeEntry | undefined,
  pointer: string,
  name: string,
): ManifestProblem[] {
  const nested = nestedShape(entry)
  if (nested === undefined || value === undefined || value === null) return []
  const keys = Object.keys(nested.shape).join(', ')
  if (!nested.list) {
    if (isMap(value)) return keysProblems(walk, value, nested.shape, pointer, name)
    return [
      {
        path: pointer,
        problem: `module ${walk.module} reads ${name} as a map of ${keys || 'no keys'}, not ${describeValue(value)}`,
        fix: `write ${name} as a map (${keys})`,
        expected: `a map of ${keys || 'no keys'}`,
        got: describeValue(value),
      },
    ]
  }
  if (!Array.isArray(value))
    return [
      {
        path: pointer,
        problem: `module ${walk.module} reads ${name} as a list of maps of ${keys}, not ${describeValue(value)}`,
        fix: `write ${name} as a list, each item a map (${keys})`,
        expected: `a list of maps of ${keys}`,
        got: describeValue(value),
      },
    ]
  // An item that is not a map (a short form, or a mistake) is the module's to judge.
  return value.flatMap((item, index) =>
    isMap(item) ? keysProblems(walk, item, nested.shape, `${pointer}/${index}`, `${name}[${index}]`) : [],
  )
}
