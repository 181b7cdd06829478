import { createHash } from 'node:crypto'

const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value)
}

/**
 * A name-based UUID (version 8, SHA-256 of namespace and name). Foreign events without a UUID get
 * one that is the same every time the same event arrives, so retries still dedupe by id.
 */
export function derivedUuid(namespace: string, name: string): string {
  const hex = createHash('sha256').update(namespace).update('\n').update(name).digest('hex')
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}
