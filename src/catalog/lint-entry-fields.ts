import { closestMatch } from '../contracts/index.ts'
import {
  finding,
  type IndexedEntry,
  KNOWN_ORIGINS,
  type LintFinding,
  TYPE_NAME_PATTERN,
} from './lint-types.ts'

const ENTRY_FIELDS = [
  'type',
  'version',
  'kind',
  'summary',
  'producers',
  'consumers',
  'stored',
  'channel',
  'ui',
  'semantics',
  'status',
  'aliases',
  'origin',
]
const OPTIONAL_FIELDS = new Set(['aliases'])
const CHOICES: Record<string, readonly string[]> = {
  kind: ['event', 'command', 'reply'],
  status: ['draft', 'stable', 'deprecated'],
  channel: ['text', 'voice', 'control_room', 'ops', 'tool', 'rag', 'scrape', 'compiler', 'neuro'],
}
const SEMANTICS_CHOICES: Record<string, readonly string[]> = {
  delivery: ['at-least-once', 'at-most-once'],
  ordering: ['session', 'none'],
}
const MAX_SUMMARY_CHARS = 200

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string' && item.length > 0)
}

export function lintEntryFields(entry: IndexedEntry): LintFinding[] {
  const out: LintFinding[] = []
  const raw = entry.raw
  const error = (field: string, message: string, fix: string) =>
    out.push(finding('error', entry.at(field), message, fix))
  for (const key of Object.keys(raw)) {
    if (ENTRY_FIELDS.includes(key)) continue
    const guess = closestMatch(key, ENTRY_FIELDS)
    error(
      key,
      `unknown field "${key}" (the loader ignores it)`,
      guess ? `did you mean "${guess}"?` : 'remove it',
    )
  }
  for (const key of ENTRY_FIELDS) {
    if (raw[key] === undefined && !OPTIONAL_FIELDS.has(key))
      error(key, `missing field "${key}"`, `add \`${key}:\` to the entry`)
  }
  if (raw.type !== undefined && (typeof raw.type !== 'string' || !TYPE_NAME_PATTERN.test(raw.type))) {
    error(
      'type',
      `type ${JSON.stringify(raw.type)} is not namespace.name (lowercase, digits, _; dot-separated)`,
      'e.g. repo.skill.installed',
    )
  }
  if (raw.version !== undefined && !(Number.isInteger(raw.version) && (raw.version as number) >= 1)) {
    error(
      'version',
      `version ${JSON.stringify(raw.version)} must be an integer ≥ 1 (the major version)`,
      'write version: 1',
    )
  }
  for (const [field, choices] of Object.entries(CHOICES)) {
    if (raw[field] !== undefined && !choices.includes(raw[field] as string)) {
      error(
        field,
        `${field} ${JSON.stringify(raw[field])} is not one of ${choices.join(', ')}`,
        `use ${closestMatch(String(raw[field]), choices) ?? choices[0]}`,
      )
    }
  }
  if (raw.summary !== undefined) {
    if (typeof raw.summary !== 'string' || raw.summary.trim() === '')
      error('summary', 'summary must be a non-empty string', 'one line on what it means')
    else if (raw.summary.length > MAX_SUMMARY_CHARS) {
      out.push(
        finding(
          'warning',
          entry.at('summary'),
          `summary is ${raw.summary.length} characters`,
          `keep it under ${MAX_SUMMARY_CHARS}; details go in the schema description`,
        ),
      )
    }
  }
  for (const field of ['producers', 'consumers', 'aliases', 'origin']) {
    if (raw[field] !== undefined && !isStringList(raw[field]))
      error(field, `${field} must be a list of non-empty strings`, `e.g. ${field}: [kernel]`)
  }
  if (isStringList(raw.producers) && raw.producers.length === 0) {
    out.push(
      finding(
        'warning',
        entry.at('producers'),
        'no producers listed',
        'name who publishes it (kernel, ui, skill.<name>)',
      ),
    )
  }
  if (raw.stored !== undefined && typeof raw.stored !== 'boolean')
    error('stored', 'stored must be true or false', 'stored: true (persisted) or false (ephemeral)')
  if (raw.ui !== undefined) out.push(...lintUi(entry))
  if (raw.semantics !== undefined) out.push(...lintSemantics(entry))
  if (isStringList(raw.origin)) {
    if (raw.origin.length === 0)
      error('origin', 'origin is empty', "name the seed(s) ('000', '001', '003', '004') or 'product'")
    for (const value of raw.origin) {
      if (!KNOWN_ORIGINS.has(value))
        error(
          'origin',
          `origin "${value}" is not a seed number or "product"`,
          "quote seed numbers: origin: ['003']",
        )
    }
  }
  if (raw.status === 'deprecated') {
    out.push(
      finding(
        'warning',
        `${String(raw.type)}@${String(raw.version)}`,
        'deprecated',
        'move producers and consumers to its successor, then remove the entry',
      ),
    )
  }
  return out
}

function lintUi(entry: IndexedEntry): LintFinding[] {
  const ui = entry.raw.ui
  if (ui === null || typeof ui !== 'object' || Array.isArray(ui)) {
    return [
      finding(
        'error',
        entry.at('ui'),
        'ui must be a mapping {render, icon}',
        'ui: { render: json, icon: circle }',
      ),
    ]
  }
  const out: LintFinding[] = []
  const { render, icon, ...rest } = ui as Record<string, unknown>
  if (typeof render !== 'string' || !/^[a-z][a-z0-9_]*$/.test(render)) {
    out.push(
      finding(
        'error',
        entry.at('ui/render'),
        `ui.render ${JSON.stringify(render)} must be a snake_case name`,
        'e.g. render: chat_bubble',
      ),
    )
  }
  if (typeof icon !== 'string' || !/^[a-z][a-z0-9-]*$/.test(icon)) {
    out.push(
      finding(
        'error',
        entry.at('ui/icon'),
        `ui.icon ${JSON.stringify(icon)} must be a kebab-case icon name`,
        'e.g. icon: message-square',
      ),
    )
  }
  for (const key of Object.keys(rest))
    out.push(
      finding('error', entry.at(`ui/${key}`), `unknown ui field "${key}"`, 'ui has only render and icon'),
    )
  return out
}

function lintSemantics(entry: IndexedEntry): LintFinding[] {
  const semantics = entry.raw.semantics
  if (semantics === null || typeof semantics !== 'object' || Array.isArray(semantics)) {
    return [
      finding(
        'error',
        entry.at('semantics'),
        'semantics must be a mapping',
        'semantics: { delivery: at-least-once, ordering: none }',
      ),
    ]
  }
  const out: LintFinding[] = []
  const values = semantics as Record<string, unknown>
  for (const [field, choices] of Object.entries(SEMANTICS_CHOICES)) {
    if (!choices.includes(values[field] as string)) {
      out.push(
        finding(
          'error',
          entry.at(`semantics/${field}`),
          `semantics.${field} ${JSON.stringify(values[field])} is not one of ${choices.join(', ')}`,
          `${field}: ${choices[0]}`,
        ),
      )
    }
  }
  if (
    values.idempotencyKey !== undefined &&
    (typeof values.idempotencyKey !== 'string' || values.idempotencyKey === '')
  ) {
    out.push(
      finding(
        'error',
        entry.at('semantics/idempotencyKey'),
        'semantics.idempotencyKey must name a payload field',
        'e.g. idempotencyKey: requestId',
      ),
    )
  }
  for (const key of Object.keys(values)) {
    if (!['delivery', 'ordering', 'idempotencyKey'].includes(key)) {
      out.push(
        finding(
          'error',
          entry.at(`semantics/${key}`),
          `unknown semantics field "${key}"`,
          'semantics has delivery, ordering and idempotencyKey',
        ),
      )
    }
  }
  if (entry.raw.stored === false && values.delivery === 'at-least-once') {
    out.push(
      finding(
        'warning',
        entry.at('semantics/delivery'),
        'an ephemeral type (stored: false) cannot be redelivered, so at-least-once is not kept',
        'use delivery: at-most-once, or stored: true',
      ),
    )
  }
  return out
}
