/**
 * Deliberately simple fact extraction: a handful of English first-person patterns, one sentence at
 * a time. It catches "my name is Ada", "I like green tea", "remember that the wifi code is 1234";
 * it misses anything phrased otherwise, negations beyond "don't like", and every other language.
 * A model-based extractor can replace it later without changing the store.
 */

export type FactKind = 'name' | 'location' | 'work' | 'preference' | 'note'

export interface ExtractedFact {
  kind: FactKind
  /** Third-person sentence stored and shown to the model, e.g. "The user's name is Ada." */
  text: string
  /** Identity for updates: a newer fact with the same key replaces the older one. */
  key: string
}

export const MAX_FACT_CHARS = 300
const MAX_SENTENCES = 50

interface Pattern {
  kind: FactKind
  match: RegExp
  /** Keys group facts that contradict each other ("likes X" / "dislikes X"; one name). */
  key: (value: string) => string
  text: (value: string) => string
}

const PATTERNS: readonly Pattern[] = [
  {
    kind: 'note',
    match: /^(?:please\s+)?(?:remember|don't forget|do not forget|note)\s*(?:that|:)\s*(.+)$/i,
    key: (value) => `note:${normalized(value)}`,
    text: (value) => `The user asked to remember: ${value}.`,
  },
  {
    kind: 'name',
    // Case-folded by hand: after the lead-in, words beyond the first must be capitalised.
    match:
      /\b(?:[Mm][Yy] [Nn][Aa][Mm][Ee](?: [Ii][Ss]|'s)|[Cc]all [Mm][Ee]|I am called|I'm called)\s+(\p{L}[\p{L}\p{M}'-]*(?:\s+\p{Lu}[\p{L}\p{M}'-]*){0,3})/u,
    key: () => 'name',
    text: (value) => `The user's name is ${value}.`,
  },
  {
    kind: 'location',
    match: /\b(?:i live in|i'm based in|i am based in)\s+(.+)$/i,
    key: () => 'location',
    text: (value) => `The user lives in ${value}.`,
  },
  {
    kind: 'work',
    match: /\b(?:i work (?:at|for|as)|i'm employed (?:at|by))\s+(.+)$/i,
    key: (value) => `work:${normalized(value)}`,
    text: (value) => `The user works ${value}.`,
  },
  {
    kind: 'preference',
    match: /\b(?:i (?:don't|do not) like|i dislike|i hate|i can't stand)\s+(.+)$/i,
    key: (value) => `preference:${normalized(value)}`,
    text: (value) => `The user dislikes ${value}.`,
  },
  {
    kind: 'preference',
    match: /\b(?:i (?:really )?(?:like|love|enjoy|prefer))\s+(.+)$/i,
    key: (value) => `preference:${normalized(value)}`,
    text: (value) => `The user likes ${value}.`,
  },
]

const NOTE_PATTERNS = PATTERNS.filter((pattern) => pattern.kind === 'note')
const CLAUSE_PATTERNS = PATTERNS.filter((pattern) => pattern.kind !== 'note')

function normalized(value: string): string {
  return value.toLowerCase().replace(/\s+/g, ' ').trim()
}

export function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length > 0)
}

/** The facts stated in one user message; at most one per clause, later ones win per key. */
export function extractFacts(userText: string): ExtractedFact[] {
  const facts = new Map<string, ExtractedFact>()
  for (const sentence of splitSentences(userText).slice(0, MAX_SENTENCES)) {
    if (sentence.endsWith('?')) continue // a question states nothing
    const bare = sentence.replace(/[.!]+$/, '').trim()
    // A note is kept whole; other sentences may state several facts, one per clause.
    const note = factOf(bare, NOTE_PATTERNS)
    const found =
      note === undefined ? clausesOf(bare).map((clause) => factOf(clause, CLAUSE_PATTERNS)) : [note]
    for (const fact of found) {
      if (fact === undefined) continue
      facts.delete(fact.key)
      facts.set(fact.key, fact)
    }
  }
  return [...facts.values()]
}

// A new clause starts where a new first-person subject does: "..., and I like tea", "...; my name is".
const CLAUSE_BREAK = /\s*[,;]?\s+and\s+(?=(?:i|i'm|my)\b)|\s*[,;]\s*(?=(?:i|i'm|my)\b)/i

function clausesOf(sentence: string): string[] {
  return sentence
    .split(CLAUSE_BREAK)
    .map((clause) => clause.trim())
    .filter((clause) => clause !== '')
}

function factOf(bare: string, patterns: readonly Pattern[]): ExtractedFact | undefined {
  for (const pattern of patterns) {
    const value = pattern.match.exec(bare)?.[1]?.trim()
    if (value === undefined || value === '') continue
    const capped = value.slice(0, MAX_FACT_CHARS - 40)
    return { kind: pattern.kind, key: pattern.key(capped), text: pattern.text(capped) }
  }
  return undefined
}

const SUMMARY_PART_CHARS = 160

function firstSentence(text: string): string {
  const sentence = splitSentences(text)[0] ?? ''
  return sentence.length <= SUMMARY_PART_CHARS ? sentence : `${sentence.slice(0, SUMMARY_PART_CHARS - 1)}…`
}

/** Extractive, not generated: the first sentence of each side, cut to 160 characters. */
export function summarizeTurn(userText: string, assistantText: string): string {
  const asked = firstSentence(userText)
  const answered = firstSentence(assistantText)
  if (answered === '') return `User said: ${asked}`
  if (asked === '') return `Assistant said: ${answered}`
  return `User said: ${asked} — Assistant answered: ${answered}`
}
