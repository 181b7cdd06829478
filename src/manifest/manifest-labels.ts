import { editDistance } from '../contracts/index.ts'
import { pointerTokens, valueAt } from './manifest-issue.ts'

// Turns JSON pointers into the words people use for them: `/skills/6` is `skill "skill.x"`,
// `/pipelines/2/steps/3` is `step 4 of pipeline "pipeline.y"`.

function quotedId(root: unknown, pointer: string, fallback: string): string {
  const id = valueAt(root, `${pointer}/id`)
  return typeof id === 'string' && id.length > 0 && id.length <= 120 ? `"${id}"` : fallback
}

interface Owner {
  /** Human name of the nearest named thing, e.g. `skill "skill.llm"`. */
  name: string
  /** Remaining tokens below it, dotted: `transport.type`. */
  rest: string
}

const SECTION_NAMES: Readonly<Record<string, string>> = Object.freeze({
  system: 'system',
  contracts: 'contracts',
  kernel: 'kernel',
  llm: 'llm',
  workspace: 'workspace',
  retention: 'retention',
  acceptance: 'acceptance',
})

function stepName(tokens: string[], start: number, root: unknown): { name: string; used: number } {
  // tokens[start] = 'pipelines', [start+1] = index, 'steps', index, then ('then'|'else', index)*
  const pipelinePointer = `/pipelines/${tokens[start + 1]}`
  let name = `step ${Number(tokens[start + 3]) + 1}`
  let used = start + 4
  while ((tokens[used] === 'then' || tokens[used] === 'else') && /^\d+$/.test(tokens[used + 1] ?? '')) {
    name = `step ${Number(tokens[used + 1]) + 1} of the ${tokens[used]} branch of ${name}`
    used += 2
  }
  return { name: `${name} of pipeline ${quotedId(root, pipelinePointer, tokens[start + 1]!)}`, used }
}

export function ownerOf(root: unknown, pointer: string): Owner {
  const tokens = pointerTokens(pointer)
  let name = 'the manifest'
  let used = 0
  const [first, second, third, fourth] = tokens
  const isIndex = (token: string | undefined): boolean => token !== undefined && /^\d+$/.test(token)
  if (first === 'skills' && isIndex(second)) {
    name = `skill ${quotedId(root, `/skills/${second}`, String(Number(second) + 1))}`
    used = 2
  } else if (first === 'pipelines' && isIndex(second)) {
    if (third === 'steps' && isIndex(fourth)) ({ name, used } = stepName(tokens, 0, root))
    else {
      name = `pipeline ${quotedId(root, `/pipelines/${second}`, String(Number(second) + 1))}`
      used = 2
    }
  } else if (first === 'kernel' && second === 'stateMachine' && third === 'transitions' && isIndex(fourth)) {
    name = `transition ${Number(fourth) + 1} of the state machine`
    used = 4
  } else if (first === 'workspace' && second === 'roots' && isIndex(third)) {
    name = `workspace root ${Number(third) + 1}`
    used = 3
  } else if (first !== undefined && Object.hasOwn(SECTION_NAMES, first)) {
    name = first === 'kernel' && second === 'stateMachine' ? 'the state machine' : SECTION_NAMES[first]!
    used = first === 'kernel' && second === 'stateMachine' ? 2 : 1
  }
  const rest = tokens
    .slice(used)
    .map((token, index) => (/^\d+$/.test(token) ? `[${token}]` : index === 0 ? token : `.${token}`))
    .join('')
  return { name, rest }
}

/** `transport.type of skill "x"`, or just `skill "x"` for the thing itself. */
export function describe(root: unknown, pointer: string): string {
  const { name, rest } = ownerOf(root, pointer)
  return rest === '' ? name : `${rest} of ${name}`
}

/**
 * The candidate a typo most likely meant. Looser than a plain edit-distance cut-off so that
 * plural/singular slips (policy → policies) and case slips (HTTP → http) are found.
 */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase()
  let best: string | undefined
  let bestScore = Number.POSITIVE_INFINITY
  for (const candidate of candidates) {
    if (candidate === name) continue
    // Only the differing tail counts: skill.nope is not a typo of skill.llm.
    const shared = commonPrefixLength(lower, candidate.toLowerCase())
    const limit = Math.max(2, Math.round((name.length - shared) * 0.4))
    const distance = editDistance(lower, candidate.toLowerCase(), limit)
    if (distance <= limit && distance < bestScore) {
      best = candidate
      bestScore = distance
    }
  }
  return best ?? sharedStem(name, candidates)
}

function commonPrefixLength(a: string, b: string): number {
  let length = 0
  while (length < a.length && length < b.length && a[length] === b[length]) length++
  return length
}

// Words that share most of their beginning (policy/policies, retain/retention).
function sharedStem(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestLength = 0
  let tied = false
  for (const candidate of candidates) {
    const length = commonPrefixLength(name.toLowerCase(), candidate.toLowerCase())
    if (length < 4 || length < 0.6 * Math.min(name.length, candidate.length)) continue
    if (length > bestLength) {
      best = candidate
      bestLength = length
      tied = false
    } else if (length === bestLength) tied = true
  }
  // realtime → realtime_audio or realtime_text? A guess between equals would mislead.
  return tied ? undefined : best
}

/**
 * A catalog type a wrong type name probably meant: a close spelling, or the type it extends or
 * shortens by whole dot-separated parts (llm.complete.stream → llm.complete).
 */
export function suggestType(name: string, knownNames: Iterable<string>): string | undefined {
  const names = [...knownNames]
  const spelled = suggest(name, names)
  if (spelled !== undefined) return spelled
  let best: string | undefined
  for (const candidate of names) {
    const related = name.startsWith(`${candidate}.`) || candidate.startsWith(`${name}.`)
    if (related && (best === undefined || candidate.length > best.length)) best = candidate
  }
  return best
}
