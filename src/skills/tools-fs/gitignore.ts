import { linearRegex } from './linear-regex.ts'

// A small .gitignore matcher written for search_in_files: comments, escapes, negation, dir-only
// patterns (trailing '/'), anchoring (a '/' at the start or in the middle), '*', '?', '[...]' and '**'.

/** Longer lines are skipped: no real path pattern is this long, and a huge regex is a cost. */
export const MAX_RULE_CHARS = 4096

export interface IgnoreRule {
  regex: RegExp
  negate: boolean
  dirOnly: boolean
}

function escapeRegex(char: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char
}

/** Translates one glob (already stripped of '!' and the trailing '/') to a regex body. */
function globToRegex(glob: string): string {
  let out = ''
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index]!
    if (char === '*') {
      if (glob[index + 1] === '*') {
        const before = index === 0 || glob[index - 1] === '/'
        const after = index + 2 === glob.length || glob[index + 2] === '/'
        if (before && after) {
          if (index + 2 === glob.length)
            out += '.*' // trailing '/**': everything inside
          else {
            out += '(?:.*/)?' // '**/' : zero or more directories
            index++ // the '/' after '**' is part of the group
          }
          index++
          continue
        }
      }
      out += '[^/]*'
    } else if (char === '?') out += '[^/]'
    else if (char === '\\' && index + 1 < glob.length) out += escapeRegex(glob[++index]!)
    else if (char === '[') {
      const close = glob.indexOf(']', index + 2)
      if (close === -1) out += '\\['
      else {
        let body = glob.slice(index + 1, close)
        if (body.startsWith('!')) body = `^${body.slice(1)}`
        out += `[${body.replace(/\\/g, '\\\\')}]`
        index = close
      }
    } else out += escapeRegex(char)
  }
  return out
}

/** Parses a .gitignore's text; rules are relative to the directory holding it. */
export function parseGitignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = []
  for (let line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue
    // Trailing spaces are dropped unless escaped.
    line = line.replace(/(?<!\\)\s+$/, '')
    if (line === '' || line.length > MAX_RULE_CHARS) continue
    let negate = false
    if (line.startsWith('!')) {
      negate = true
      line = line.slice(1)
    } else if (line.startsWith('\\!') || line.startsWith('\\#')) line = line.slice(1)
    let dirOnly = false
    if (line.endsWith('/')) {
      dirOnly = true
      line = line.replace(/\/+$/, '')
    }
    if (line === '') continue
    const anchored = line.includes('/')
    if (line.startsWith('/')) line = line.slice(1)
    // Runs of three or more '*' mean the same as one or two; collapsing keeps the regex small.
    line = line.replace(/\*{3,}/g, '**')
    const body = globToRegex(line)
    const prefix = anchored ? '^' : '^(?:.*/)?'
    try {
      rules.push({ regex: linearRegex(`${prefix}${body}$`), negate, dirOnly })
    } catch {
      // A pattern git would also treat as literal junk: skip it rather than fail the search.
    }
  }
  return rules
}

/**
 * The rules in force for one directory, chained to its parent's: a deeper .gitignore wins over a
 * shallower one, and within a file the last matching rule wins.
 */
export class IgnoreScope {
  constructor(
    private readonly parent: IgnoreScope | undefined,
    /** Path of the .gitignore's directory relative to the search root ('' for the root). */
    private readonly base: string,
    private readonly rules: IgnoreRule[],
  ) {}

  static root(): IgnoreScope {
    return new IgnoreScope(undefined, '', [])
  }

  child(base: string, rules: IgnoreRule[]): IgnoreScope {
    return rules.length === 0 ? this : new IgnoreScope(this, base, rules)
  }

  /** `path` is relative to the search root, '/'-separated. */
  ignores(path: string, isDirectory: boolean): boolean {
    const verdict = this.verdict(path, isDirectory)
    return verdict === true
  }

  private verdict(path: string, isDirectory: boolean): boolean | undefined {
    const relative = this.base === '' ? path : path.slice(this.base.length + 1)
    for (let index = this.rules.length - 1; index >= 0; index--) {
      const rule = this.rules[index]!
      if (rule.dirOnly && !isDirectory) continue
      if (rule.regex.test(relative)) return !rule.negate
    }
    return this.parent?.verdict(path, isDirectory)
  }
}
