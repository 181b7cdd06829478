// The hub's query-string parser (Fastify's `routerOptions.querystringParser`). Fastify's default
// keeps a value whose percent-escapes do not decode (`%ZZ`, a cut UTF-8 sequence) as its literal
// text, so `?traceId=%ZZ` searched for the three characters `%ZZ` and found nothing. Here every
// name and value that does not decode, or decodes to a NUL, is recorded as a fault of the parsed
// object; request-text-check.ts refuses the request with the parameter named (decision 2071).

/** Why a parameter could not be read. */
export type QueryFaultReason = 'escape' | 'nul' | 'hash'

export interface QueryFault {
  /** The parameter's name as decoded, or as sent when the name itself does not decode. */
  parameter: string
  reason: QueryFaultReason
  /** The text as sent (before decoding), cut short for the answer. */
  got: string
}

/** Most characters of a faulty text repeated back in an answer. */
const MAX_FAULT_TEXT_CHARS = 80

const faults = new WeakMap<object, QueryFault[]>()

// An object with no prototype, made by a constructor (V8 makes those faster than Object.create):
// `__proto__` or `constructor` as a name is an ordinary own key, never the prototype.
const NoPrototype = function (this: Record<string, unknown>) {} as unknown as {
  new (): Record<string, string | string[]>
}
NoPrototype.prototype = Object.create(null)

/** The faults recorded while `query` was parsed (undefined when it parsed cleanly). */
export function queryFaultsOf(query: unknown): readonly QueryFault[] | undefined {
  return typeof query === 'object' && query !== null ? faults.get(query) : undefined
}

/** `text` with `+` as a space and its escapes decoded; undefined when an escape does not decode. */
function decodePart(text: string): string | undefined {
  const spaced = text.includes('+') ? text.replaceAll('+', ' ') : text
  if (!spaced.includes('%')) return spaced
  try {
    return decodeURIComponent(spaced)
  } catch {
    return undefined
  }
}

function faultOf(raw: string, decoded: string | undefined): QueryFaultReason | undefined {
  if (decoded === undefined) return 'escape'
  // A raw `#` starts a fragment, which clients never send: the text was not escaped (%23), and
  // reading it as part of the value would search for something the caller did not mean (decision 2084).
  if (raw.includes('#')) return 'hash'
  return decoded !== raw && decoded.includes('\0') ? 'nul' : undefined
}

function add(result: Record<string, string | string[]>, name: string, value: string): void {
  const present = result[name]
  if (present === undefined) result[name] = value
  else if (typeof present === 'string') result[name] = [present, value]
  else present.push(value)
}

/**
 * Parses `a=1&b=x+y&a=2` as forms do: `+` is a space, escapes are UTF-8, a repeated name gives an
 * array, a name without `=` has the value "", empty pieces (`&&`) are skipped. Brackets mean
 * nothing (`a[]` is a name). The result has no prototype; faults are kept beside it.
 */
export function parseQueryString(input: string): Record<string, string | string[]> {
  const result = new NoPrototype()
  if (typeof input !== 'string' || input.length === 0) return result
  let found: QueryFault[] | undefined
  let start = 0
  let equals = -2
  while (start <= input.length) {
    let end = input.indexOf('&', start)
    if (end < 0) end = input.length
    if (end > start) {
      // The next '=' is remembered while it lies beyond this piece: `a&a&a…` is not rescanned.
      if (equals !== -1 && equals < start) equals = input.indexOf('=', start)
      const split = equals >= 0 && equals < end
      const rawName = input.slice(start, split ? equals : end)
      const rawValue = split ? input.slice(equals + 1, end) : ''
      const name = decodePart(rawName)
      const value = decodePart(rawValue)
      // A NUL can only come from an escape (Node refuses a raw one in the request line).
      const fault = faultOf(rawName, name) ?? faultOf(rawValue, value)
      if (fault !== undefined) {
        found ??= []
        found.push({
          parameter: name ?? rawName,
          reason: fault,
          got: (faultOf(rawName, name) === undefined ? rawValue : rawName).slice(0, MAX_FAULT_TEXT_CHARS),
        })
      }
      add(result, name ?? rawName, value ?? rawValue)
    }
    start = end + 1
  }
  if (found !== undefined) faults.set(result, found)
  return result
}
