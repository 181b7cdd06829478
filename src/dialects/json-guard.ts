import { reject } from './issues.ts'

// Keys that would reach Object.prototype if a consumer ever assigned them with `target[key] = v`.
const HOSTILE_KEYS = new Set(['__proto__'])

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/**
 * Checks that `value` is a tree of plain JSON values no deeper than `maxDepth`, without a
 * `__proto__` key anywhere. Iterative, so hostile nesting cannot exhaust the stack.
 */
export function assertJsonTree(value: unknown, maxDepth: number, base = ''): void {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: base, depth: 0 }]
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!
    switch (typeof current) {
      case 'string':
      case 'boolean':
        continue
      case 'number':
        if (!Number.isFinite(current)) reject(path, 'a finite JSON number', String(current))
        continue
      case 'object':
        break
      default:
        reject(path, 'a JSON value', typeof current)
    }
    if (current === null) continue
    if (depth >= maxDepth) reject(path, `nesting at most ${maxDepth} levels deep`, '(deeper)')
    if (Array.isArray(current)) {
      for (let index = 0; index < current.length; index++) {
        stack.push({ value: current[index], path: `${path}/${index}`, depth: depth + 1 })
      }
      continue
    }
    if (!isPlainObject(current)) reject(path, 'a plain JSON object', Object.prototype.toString.call(current))
    for (const key of Object.keys(current)) {
      const childPath = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`
      if (HOSTILE_KEYS.has(key)) {
        reject(childPath, 'no __proto__ key', key, `${childPath}: the key __proto__ is not accepted`)
      }
      stack.push({ value: current[key], path: childPath, depth: depth + 1 })
    }
  }
}

/** Copy of `source` without `omitted` keys; built with data properties only, never by assignment. */
export function without(source: Record<string, unknown>, ...omitted: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(source).filter(([key]) => !omitted.includes(key)))
}

/** Object from entries in the given order, dropping undefined values. */
export function compact(entries: [string, unknown][]): Record<string, unknown> {
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined))
}

export function hasKeys(value: Record<string, unknown> | undefined): boolean {
  return value !== undefined && Object.keys(value).length > 0
}
