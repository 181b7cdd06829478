// Seed 001's prefer hints and addressed skills, parsed once per plan. Forms accepted:
//   any | hub | member | browser | <kind>:any | <kind>:<id> | tag:<tag> | <kind>:any(tag:<tag>)
// `member:self` and `browser:current` name the caller: a paired device's POST /resolve has them
// replaced by its own agents first (caller-hints.ts); anywhere else they reach this parser and are
// refused rather than silently matching nothing.

export interface HintTarget {
  agent: string
  kind: string
  tags: readonly string[]
}

export type HintMatcher = (target: HintTarget) => boolean

const KINDS = new Set(['hub', 'member', 'browser'])
const ID = /^[A-Za-z0-9._-]+$/
const TAG = /^[A-Za-z0-9._:-]+$/
export const PREFER_HINT_FORMS =
  'any, hub, member, browser, <kind>:any, <kind>:<id>, tag:<tag>, <kind>:any(tag:<tag>)'

/** The matcher for `hint`, or a sentence saying why it is refused. */
export function parsePreferHint(
  hint: string,
): { ok: true; match: HintMatcher } | { ok: false; reason: string } {
  if (hint === 'any') return { ok: true, match: () => true }
  if (KINDS.has(hint)) return { ok: true, match: (target) => target.kind === hint }
  if (hint.startsWith('tag:')) {
    const tag = hint.slice(4)
    if (!TAG.test(tag)) return { ok: false, reason: `tag ${JSON.stringify(tag)} is not a tag` }
    return { ok: true, match: (target) => target.tags.includes(tag) }
  }
  const colon = hint.indexOf(':')
  const kind = colon < 0 ? '' : hint.slice(0, colon)
  const rest = colon < 0 ? '' : hint.slice(colon + 1)
  if (!KINDS.has(kind)) return { ok: false, reason: `expected one of ${PREFER_HINT_FORMS}` }
  if (rest === 'self' || rest === 'current') {
    return {
      ok: false,
      reason: `${hint} names the caller; caller identity comes only from a paired device's token on POST /resolve (the owner, an unpaired token, scenarios and the bus have no device)`,
    }
  }
  if (rest === 'any') return { ok: true, match: (target) => target.kind === kind }
  const tagged = /^any\(tag:([A-Za-z0-9._:-]+)\)$/.exec(rest)
  if (tagged !== null) {
    const tag = tagged[1] as string
    return { ok: true, match: (target) => target.kind === kind && target.tags.includes(tag) }
  }
  if (!ID.test(rest)) return { ok: false, reason: `expected one of ${PREFER_HINT_FORMS}` }
  const agent = `agent://${kind}/${rest}`
  return { ok: true, match: (target) => target.agent === agent }
}

export interface AddressedSkill {
  agent: string
  capability: string
}

/** `skill://<kind>/<id>/<capability name>` → the agent and capability it addresses. */
export function parseAddressedSkill(text: string): AddressedSkill | undefined {
  const found = /^skill:\/\/(hub|member|browser)\/([A-Za-z0-9._-]+)\/([a-z0-9][a-z0-9._-]*)$/.exec(text)
  if (found === null) return undefined
  return { agent: `agent://${found[1]}/${found[2]}`, capability: `capability://${found[3]}` }
}
