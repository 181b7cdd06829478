import { entryKey } from '../contracts/index.ts'
import { finding, fromSeed, type IndexedEntry, type LintFinding } from './lint-types.ts'

// Seed 001's rule: commands `namespace.verb`, events `namespace.noun.past`, replies
// `<command>.result`; streaming parts end in start/chunk/delta/end. Telling a past participle
// from a verb needs a dictionary, so this is a heuristic and only ever warns.

export const STREAMING_PARTS: ReadonlySet<string> = new Set([
  'start',
  'chunk',
  'delta',
  'end',
  'partial',
  'final',
])

const IRREGULAR_PARTICIPLES = new Set(
  (
    'begun bound brought built bought caught chosen done drawn driven fed felt found frozen given ' +
    'gone got gotten grown held hidden hung kept known laid led left lent lost made meant met paid ' +
    'put read rebuilt reset ridden risen run rung said seen sent set shown shut slept sold spent ' +
    'split spoken stolen struck stuck sung taken taught thrown told torn undone upheld withdrawn won ' +
    'worn written'
  ).split(' '),
)

/** Nouns that name a fact or a snapshot by themselves (`pipeline.status`, `timer.tick`). */
const FACT_NOUNS = new Set(
  (
    'context event frame frames heartbeat metric metrics notice progress receipt report snapshot ' +
    'state status summary tick trace update usage audio token text message entry timing signal health ' +
    'error'
  ).split(' '),
)

/** Words that read as imperatives, so an event ending in one looks like a command. */
const COMMAND_VERBS = new Set(
  (
    'add apply cancel create delete disable enable get install list publish purge remove request ' +
    'reset resolve retry run schedule send set start stop subscribe sync uninstall update upsert ' +
    'write'
  ).split(' '),
)

export function looksPastParticiple(word: string): boolean {
  return /[a-z]ed$/.test(word) || IRREGULAR_PARTICIPLES.has(word)
}

function lastToken(type: string): string {
  return type.slice(type.lastIndexOf('.') + 1)
}

export function lintNaming(entries: readonly IndexedEntry[]): LintFinding[] {
  const out: LintFinding[] = []
  const kinds = new Map<string, string>()
  for (const entry of entries) if (entry.type) kinds.set(entry.type, String(entry.raw.kind))
  for (const entry of entries) {
    if (entry.type === undefined) continue
    const type = entry.type
    const last = lastToken(type)
    const key = entryKey(type, entry.version ?? 0)
    const seed = fromSeed(entry)
    switch (entry.raw.kind) {
      case 'reply':
        if (last !== 'result') {
          out.push(
            finding(
              'error',
              entry.at('type'),
              `reply ${type} must end in .result`,
              `rename it ${type}.result, or change its kind`,
            ),
          )
        } else if (kinds.get(type.slice(0, -'.result'.length)) !== 'command') {
          out.push(
            finding(
              'warning',
              key,
              `reply ${type} answers no command entry ${type.slice(0, -'.result'.length)}`,
              'add the command, or make this an event',
            ),
          )
        }
        break
      case 'command':
        if (kinds.get(`${type}.result`) !== 'reply') {
          out.push(
            finding(
              'error',
              key,
              `command ${type} has no reply entry ${type}.result (kind: reply)`,
              `run \`localhub registry scaffold ${type}.result --kind reply\``,
            ),
          )
        }
        if (!seed && looksPastParticiple(last)) {
          out.push(
            finding(
              'warning',
              entry.at('type'),
              `command ${type} reads like a fact ("${last}"); commands are namespace.verb`,
              'name the action (repo.skill.install), or make it an event',
            ),
          )
        }
        break
      case 'event':
        if (seed) break
        if (last === 'result') {
          out.push(
            finding(
              'warning',
              entry.at('kind'),
              `${type} ends in .result but is an event`,
              'replies are kind: reply; name facts namespace.noun.past',
            ),
          )
        } else if (COMMAND_VERBS.has(last) && !STREAMING_PARTS.has(last) && !FACT_NOUNS.has(last)) {
          out.push(
            finding(
              'warning',
              entry.at('type'),
              `event ${type} ends in the verb "${last}" and reads like a command`,
              'name the fact in the past tense (repo.skill.installed), or make it kind: command',
            ),
          )
        } else if (!looksPastParticiple(last) && !STREAMING_PARTS.has(last) && !FACT_NOUNS.has(last)) {
          out.push(
            finding(
              'warning',
              entry.at('type'),
              `event ${type} does not end in a past participle, streaming part or known noun`,
              'name facts namespace.noun.past (repo.skill.installed)',
            ),
          )
        }
        break
    }
  }
  return out
}
