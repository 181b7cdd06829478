import { type Document, parseDocument, type YAMLError } from 'yaml'
import type { ErrorCode } from '../contracts/index.ts'
import type { IssueDraft } from './manifest-issue.ts'
import { pointerJoin } from './manifest-issue.ts'

export interface YamlLimits {
  maxBytes: number
  maxAliasCount: number
  maxDepth: number
}

/** The parsed text: the YAML document (for positions) and its plain value, or why there is none. */
export type YamlSource =
  | { ok: true; document: Document.Parsed; value: unknown }
  | { ok: false; code: ErrorCode; drafts: IssueDraft[]; document?: Document.Parsed }

// Keys that would reach an object's prototype machinery if some later code merged the manifest
// with Object.assign or a[key] = value; no manifest needs them.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

// Flow brackets are counted without regard to quotes, so this only over-counts; a hostile
// `[[[[…` is refused before the parser recurses on it (500k levels exhaust the heap).
function flowNestingOffset(text: string, limit: number): number | undefined {
  let depth = 0
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index)
    if (char === 0x5b || char === 0x7b) {
      depth++
      if (depth > limit) return index
    } else if ((char === 0x5d || char === 0x7d) && depth > 0) depth--
  }
  return undefined
}

// `- - - - x` nests block sequences on one line; count the leading indicators of each line.
function compactNestingOffset(text: string, limit: number): number | undefined {
  let indicators = 0
  let atLineStart = true
  for (let index = 0; index < text.length; index++) {
    const char = text[index]
    if (char === '\n') {
      indicators = 0
      atLineStart = true
    } else if (atLineStart && (char === '-' || char === '?' || char === ':')) {
      // Only an indicator followed by a blank opens a level; `-----` is text.
      const next = text[index + 1]
      if (next !== ' ' && next !== '\t' && next !== '\n' && next !== undefined) {
        atLineStart = false
        continue
      }
      indicators++
      if (indicators > limit) return index
    } else if (atLineStart && char !== ' ' && char !== '\t') atLineStart = false
  }
  return undefined
}

function controlCharacterOffset(text: string): number | undefined {
  // YAML allows tab, LF, CR and printable characters; anything else in C0 (or DEL) means binary.
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f) return index
  }
  return undefined
}

function draft(path: string, problem: string, fix: string, offset?: number): IssueDraft {
  const base: IssueDraft = { path, problem, fix, expected: 'a YAML 1.2 mapping', got: '' }
  return offset === undefined ? base : { ...base, offset }
}

function yamlErrorDraft(error: YAMLError): IssueDraft {
  const offset = error.pos[0]
  const firstLine = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
  switch (error.code) {
    case 'DUPLICATE_KEY':
      return draft(
        '',
        'duplicate key: a key appears twice in the same mapping',
        'keep one of the two entries',
        offset,
      )
    case 'MULTIPLE_DOCS':
      return draft(
        '',
        'the file holds more than one YAML document (---)',
        'put the whole manifest in one document',
        offset,
      )
    case 'TAB_AS_INDENT':
      return draft('', 'a tab is used for indentation', 'indent with spaces', offset)
    case 'NON_STRING_KEY':
      return draft('', 'a mapping key is a list or mapping', 'use plain text keys', offset)
    case 'TAG_RESOLVE_FAILED':
      return draft('', `${firstLine}: manifests use plain YAML values, no tags`, 'remove the tag', offset)
    case 'RESOURCE_EXHAUSTION':
      return draft('', firstLine, 'remove the repeated aliases', offset)
    default:
      return draft('', `not valid YAML: ${firstLine}`, 'fix the YAML syntax at this position', offset)
  }
}

/** Forbidden keys and nesting depth, checked without recursion so deep input cannot overflow. */
function structureDrafts(value: unknown, maxDepth: number): { drafts: IssueDraft[]; tooDeep: boolean } {
  const drafts: IssueDraft[] = []
  const stack: { node: unknown; path: string; depth: number }[] = [{ node: value, path: '', depth: 0 }]
  while (stack.length > 0) {
    const { node, path, depth } = stack.pop()!
    if (node === null || typeof node !== 'object') continue
    if (depth >= maxDepth) {
      return {
        drafts: [draft(path, `nesting is deeper than ${maxDepth} levels`, 'flatten the structure')],
        tooDeep: true,
      }
    }
    for (const key of Object.keys(node)) {
      const childPath = pointerJoin(path, key)
      if (FORBIDDEN_KEYS.has(key)) {
        drafts.push({
          ...draft(
            childPath,
            `key ${key} is not allowed`,
            `remove ${key}; it has special meaning in JavaScript`,
          ),
          atKey: true,
        })
        continue
      }
      stack.push({ node: (node as Record<string, unknown>)[key], path: childPath, depth: depth + 1 })
    }
  }
  return { drafts, tooDeep: false }
}

/**
 * Parses manifest text as YAML 1.2 (where `on` is a string, not YAML 1.1's boolean true), refusing
 * duplicate keys, other YAML versions, binary input, alias bombs, oversized and over-deep input.
 */
export function parseYamlSource(text: string, limits: YamlLimits): YamlSource {
  const bytes = Buffer.byteLength(text, 'utf8')
  if (bytes > limits.maxBytes) {
    const problem = `the manifest is ${bytes} bytes; the limit is ${limits.maxBytes}`
    return { ok: false, code: 'E_RESOURCE_LIMIT', drafts: [draft('', problem, 'split off large data', 0)] }
  }
  const control = controlCharacterOffset(text)
  if (control !== undefined) {
    const code = text.charCodeAt(control).toString(16).padStart(4, '0').toUpperCase()
    const problem = `control character U+${code}: this looks like binary data, not YAML text`
    return {
      ok: false,
      code: 'E_VALIDATION',
      drafts: [draft('', problem, 'pass a UTF-8 YAML file', control)],
    }
  }
  const bracketLimit = limits.maxDepth * 4
  const nested = flowNestingOffset(text, bracketLimit) ?? compactNestingOffset(text, bracketLimit)
  if (nested !== undefined) {
    const problem = `nesting is deeper than ${bracketLimit} levels`
    return {
      ok: false,
      code: 'E_RESOURCE_LIMIT',
      drafts: [draft('', problem, 'flatten the structure', nested)],
    }
  }
  const document = parseDocument(text, {
    version: '1.2',
    uniqueKeys: true,
    stringKeys: true,
    strict: true,
    prettyErrors: false,
    // !!binary, !!set, !!timestamp would become Buffer, Set, Date: no manifest value is one.
    resolveKnownTags: false,
  })
  // Warnings are unresolved tags (!custom); a manifest has no use for tags, so they are errors.
  const problems = [...document.errors, ...document.warnings]
  if (problems.length > 0) {
    return { ok: false, code: 'E_VALIDATION', drafts: problems.map(yamlErrorDraft) }
  }
  const directive = document.directives?.yaml
  if (directive?.explicit === true && directive.version !== '1.2') {
    const problem = `%YAML ${directive.version} directive: manifests are YAML 1.2 (YAML 1.1 reads on/off/yes/no as booleans)`
    return { ok: false, code: 'E_VALIDATION', drafts: [draft('', problem, 'remove the %YAML directive', 0)] }
  }
  let value: unknown
  try {
    value = document.toJS({ maxAliasCount: limits.maxAliasCount })
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause)
    if (/excessive alias/i.test(message)) {
      const problem = `aliases expand too much (more than ${limits.maxAliasCount} alias uses)`
      const fix = 'write the repeated parts out instead of nesting aliases'
      return { ok: false, code: 'E_RESOURCE_LIMIT', drafts: [draft('', problem, fix, 0)] }
    }
    const problem = `cannot build the manifest: ${message}`
    return { ok: false, code: 'E_VALIDATION', drafts: [draft('', problem, 'fix the anchors and aliases', 0)] }
  }
  const structure = structureDrafts(value, limits.maxDepth)
  if (structure.drafts.length > 0) {
    const code = structure.tooDeep ? 'E_RESOURCE_LIMIT' : 'E_VALIDATION'
    return { ok: false, code, drafts: structure.drafts, document }
  }
  return { ok: true, document, value }
}
