// The approvals, grants and ledger routes are being built alongside the dashboard; these helpers
// read their answers tolerantly (a list, or an object holding one) instead of fixing a shape early.

export type Row = Record<string, unknown>

export function listOf(data: unknown, ...keys: string[]): Row[] {
  const candidates = Array.isArray(data)
    ? data
    : keys.map((key) => (data as Row | null)?.[key]).find(Array.isArray)
  return Array.isArray(candidates)
    ? candidates.filter((item): item is Row => item !== null && typeof item === 'object')
    : []
}

export function text(value: unknown, max = 300): string {
  if (value === undefined || value === null) return ''
  const raw =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : JSON.stringify(value)
  return raw.length > max ? `${raw.slice(0, max - 1)}…` : raw
}

export function idOf(row: Row, ...keys: string[]): string | undefined {
  for (const key of keys) if (typeof row[key] === 'string' && row[key] !== '') return row[key] as string
  return undefined
}
