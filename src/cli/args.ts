// Every command reads its flags through this parseArgs: node:util's, with the rules the CLI keeps
// for all of them (decision 2079), so a command cannot forget one:
//   - `-h` asks for the usage wherever `--help` does;
//   - `--limit -1` hands "-1" to the flag (which then says what it takes) instead of node's
//     "argument is ambiguous";
//   - a flag given twice is refused (unless it is declared `multiple`), not silently last-wins;
//   - an empty value (`--data ""`, `--session=`) is refused, not read as "not given";
//   - a flag naming a hub by URL (--url, --hub) takes an http(s) URL, so a typo is a usage mistake,
//     not "cannot reach" (--ollama-host is left alone: like OLLAMA_HOST it may be HOST:PORT).
// Its errors are TypeErrors with node's ERR_PARSE_ARGS_* codes, so every command's error printer
// already reports them as usage mistakes (exit 2).
import { parseArgs as nodeParseArgs, type ParseArgsConfig } from 'node:util'

type OptionSpec = NonNullable<ParseArgsConfig['options']>[string]

/** A negative number (-1, -0.5, -1e3): a value, never a flag. */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/

/** Flags whose value is an http(s) URL, in every command that has them. */
const URL_FLAGS: ReadonlySet<string> = new Set(['url', 'hub'])

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value)
    return protocol === 'http:' || protocol === 'https:'
  } catch {
    return false
  }
}

/** A usage mistake in node's parseArgs error shape (code ERR_PARSE_ARGS_INVALID_OPTION_VALUE). */
export function argumentError(message: string): TypeError {
  const error = new TypeError(message) as TypeError & { code: string }
  error.code = 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'
  return error
}

function withHelpShort(options: Record<string, OptionSpec>): Record<string, OptionSpec> {
  const help = options.help
  if (help === undefined || help.type !== 'boolean' || help.short !== undefined) return options
  if (Object.values(options).some((option) => option.short === 'h')) return options
  return { ...options, help: { ...help, short: 'h' } }
}

/** `--flag -1` becomes `--flag=-1` for a string flag; nothing after `--` is touched. */
function joinNegativeValues(args: readonly string[], options: Record<string, OptionSpec>): string[] {
  const joined: string[] = []
  for (let at = 0; at < args.length; at++) {
    const arg = args[at]!
    if (arg === '--') {
      joined.push(...args.slice(at))
      break
    }
    const next = args[at + 1]
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined
    if (
      name !== undefined &&
      options[name]?.type === 'string' &&
      next !== undefined &&
      NEGATIVE_NUMBER.test(next)
    ) {
      joined.push(`${arg}=${next}`)
      at++
    } else joined.push(arg)
  }
  return joined
}

/** node:util's parseArgs with the CLI's rules above; same configuration, same result. */
export const parseArgs = ((config: ParseArgsConfig = {}) => {
  const options = withHelpShort((config.options ?? {}) as Record<string, OptionSpec>)
  const args = joinNegativeValues(config.args ?? process.argv.slice(2), options)
  const result = nodeParseArgs({ ...config, args, options, tokens: true })
  const seen = new Map<string, string>()
  for (const token of result.tokens ?? []) {
    if (token.kind !== 'option') continue
    const option = options[token.name]
    if (option === undefined) continue
    if (option.type === 'string' && token.value === '')
      throw argumentError(`${token.rawName} needs a value, got an empty string`)
    if (option.type === 'string' && URL_FLAGS.has(token.name) && !isHttpUrl(token.value ?? ''))
      throw argumentError(
        `${token.rawName} must be an http:// or https:// URL, got ${JSON.stringify(token.value)}`,
      )
    if (option.multiple === true) continue
    const earlier = seen.get(token.name)
    if (earlier !== undefined)
      throw argumentError(
        `${token.rawName} is given twice (${earlier}, then ${describe(token)}); give it once`,
      )
    seen.set(token.name, describe(token))
  }
  if (config.tokens !== true) delete (result as { tokens?: unknown }).tokens
  return result
}) as typeof nodeParseArgs

function describe(token: { rawName: string; value?: string | undefined }): string {
  return token.value === undefined ? token.rawName : `${token.rawName} ${token.value}`
}
