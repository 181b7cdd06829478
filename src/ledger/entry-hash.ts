import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import { HubError, type ValidationIssue } from '../contracts/index.ts'
import {
  CAPABILITY_TIERS,
  LEDGER_DECISIONS,
  LEDGER_OUTCOMES,
  type LedgerEntry,
  type LedgerEntryDraft,
} from './ledger-types.ts'

export const GENESIS_PREV_HASH = '0'.repeat(64)
export const MAX_TEXT_CHARS = 200
export const MAX_TARGETS = 1000
export const MAX_TARGET_CHARS = 4096

const TEXT_FIELDS = [
  'traceId',
  'actorSkill',
  'action',
  'beforeHash',
  'afterHash',
  'approvalId',
  'decidedBy',
  'errorCode',
] as const
const REQUIRED_TEXT = new Set(['traceId', 'actorSkill', 'action'])
const ENUM_FIELDS: Readonly<Record<string, readonly string[]>> = {
  decision: LEDGER_DECISIONS,
  tier: CAPABILITY_TIERS,
  outcome: LEDGER_OUTCOMES,
}
const KNOWN_FIELDS = new Set<string>([...TEXT_FIELDS, 'targets', ...Object.keys(ENUM_FIELDS)])

export function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** RFC 8785 canonical JSON; the ledger hashes and signs only this form. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value)
  if (text === undefined) throw new HubError('E_VALIDATION', 'value has no canonical JSON form')
  return text
}

function issue(path: string, expected: string, got: unknown, message: string): ValidationIssue {
  const rendered = typeof got === 'string' ? got.slice(0, 60) : typeof got
  return { path, expected, got: rendered, message }
}

/** Checks a draft field by field (plain object, known keys, lengths, enums) and returns a clean copy. */
export function validateDraft(input: unknown): LedgerEntryDraft {
  const issues: ValidationIssue[] = []
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new HubError('E_VALIDATION', 'a ledger entry must be an object', {
      details: { issues: [issue('', 'object', input, 'a ledger entry must be an object')] },
    })
  }
  const record = input as Record<string, unknown>
  const clean: Record<string, unknown> = {}
  for (const key of Object.keys(record)) {
    if (!KNOWN_FIELDS.has(key)) issues.push(issue(`/${key}`, 'no such field', key, `unknown field '${key}'`))
  }
  for (const field of TEXT_FIELDS) {
    const value = record[field]
    if (value === undefined) {
      if (REQUIRED_TEXT.has(field)) issues.push(issue(`/${field}`, 'string', value, `${field} is required`))
      continue
    }
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT_CHARS) {
      issues.push(
        issue(`/${field}`, `string of 1..${MAX_TEXT_CHARS} chars`, value, `${field} is not a valid string`),
      )
    } else clean[field] = value
  }
  const targets = record.targets
  if (!Array.isArray(targets) || targets.length > MAX_TARGETS) {
    issues.push(
      issue('/targets', `array of at most ${MAX_TARGETS} strings`, targets, 'targets must be a list'),
    )
  } else {
    targets.forEach((target, position) => {
      if (typeof target !== 'string' || target.length === 0 || target.length > MAX_TARGET_CHARS) {
        issues.push(
          issue(`/targets/${position}`, `string of 1..${MAX_TARGET_CHARS} chars`, target, 'bad target'),
        )
      }
    })
    clean.targets = [...targets]
  }
  for (const [field, allowed] of Object.entries(ENUM_FIELDS)) {
    const value = record[field]
    if (value === undefined) continue
    if (typeof value !== 'string' || !allowed.includes(value)) {
      issues.push(
        issue(`/${field}`, allowed.join(' | '), value, `${field} must be one of ${allowed.join(', ')}`),
      )
    } else clean[field] = value
  }
  if (issues.length > 0) {
    throw new HubError('E_VALIDATION', `invalid ledger entry: ${issues[0]!.message}`, { details: { issues } })
  }
  return clean as unknown as LedgerEntryDraft
}

/**
 * RFC 8785 for the entry's flat shape (strings, integers, one list of strings): with keys inserted in
 * UTF-16 order, JSON.stringify produces exactly the JCS form, several times faster than a general
 * canonicaliser. The tests compare it with the `canonicalize` package.
 */
function canonicalEntryJson(entry: Record<string, unknown>): string {
  const sorted: Record<string, unknown> = {}
  for (const key of Object.keys(entry).sort()) sorted[key] = entry[key]
  return JSON.stringify(sorted)
}

/** Builds the stored entry: the canonical body (everything but hash) and its sha256. */
export function sealEntry(
  draft: LedgerEntryDraft,
  index: number,
  ts: string,
  prevHash: string,
): { entry: LedgerEntry; body: string } {
  const unsealed = { ...draft, index, ts, prevHash }
  const body = canonicalEntryJson(unsealed)
  return { entry: { ...unsealed, hash: sha256Text(body) }, body }
}
