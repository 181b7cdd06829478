// Type patterns with the bus's wildcard rules: `*` is one whole token, `>` the rest (last only).
// A pattern without wildcards also matches as a prefix of whole tokens, so typing `chat` in the
// filter box finds `chat.query` and `chat.message` as a person would expect.

export type TypeMatcher = (type: string) => boolean

const MAX_PATTERN_CHARS = 500
const TOKEN = /^[A-Za-z0-9_-]+$/

/** Compiles a pattern once; an empty pattern matches everything; an invalid one returns undefined. */
export function compileTypePattern(pattern: string): TypeMatcher | undefined {
  const trimmed = pattern.trim()
  if (trimmed === '') return () => true
  if (trimmed.length > MAX_PATTERN_CHARS) return undefined
  const tokens = trimmed.split('.')
  const valid = tokens.every(
    (token, index) => token === '*' || (token === '>' && index === tokens.length - 1) || TOKEN.test(token),
  )
  if (!valid) return undefined
  const hasWildcard = tokens.some((token) => token === '*' || token === '>')
  return (type: string) => {
    const parts = type.split('.')
    for (let index = 0; index < tokens.length; index++) {
      const token = tokens[index]!
      if (token === '>') return parts.length > index
      if (index >= parts.length) return false
      if (token !== '*' && token !== parts[index]) return false
    }
    return hasWildcard ? parts.length === tokens.length : true
  }
}
