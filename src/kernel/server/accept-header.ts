// Which answer form a request's Accept header prefers, by its q-values (RFC 9110 12.5.1): a client
// that lists NDJSON with q=0, or below JSON, gets JSON.

const NDJSON_RANGES = new Set(['application/x-ndjson', 'application/ndjson'])
const JSON_RANGES = new Set(['application/json', 'application/*', '*/*'])
const Q_PARAMETER = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i

/** The highest q the header gives any of `ranges` (0 when it names none). */
function highestQ(accept: string, ranges: ReadonlySet<string>): number {
  let highest = 0
  for (const entry of accept.split(',')) {
    const [range = '', ...parameters] = entry.split(';')
    if (!ranges.has(range.trim().toLowerCase())) continue
    let q = 1
    for (const parameter of parameters) {
      const match = Q_PARAMETER.exec(parameter)
      if (match !== null) q = Math.min(1, Number(match[1]))
    }
    highest = Math.max(highest, q)
  }
  return highest
}

/** True when the header names NDJSON with a q above 0 and not below what it gives JSON. */
export function prefersNdjson(accept: string | string[] | undefined): boolean {
  const value = Array.isArray(accept) ? accept.join(',') : (accept ?? '')
  const ndjson = highestQ(value, NDJSON_RANGES)
  return ndjson > 0 && ndjson >= highestQ(value, JSON_RANGES)
}
