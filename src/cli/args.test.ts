import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseArgs } from './args.ts'

const OPTIONS = {
  limit: { type: 'string' },
  tag: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const

function parse(args: string[]) {
  return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })
}

function refusal(args: string[]): string {
  try {
    parse(args)
  } catch (error) {
    assert.ok(error instanceof TypeError, 'a TypeError, as node:util raises')
    assert.match(String((error as { code?: string }).code), /^ERR_PARSE_ARGS_/, 'printed as a usage error')
    return (error as Error).message
  }
  assert.fail(`${args.join(' ')} was accepted`)
}

test('-h asks for help wherever --help does', () => {
  assert.equal(parse(['-h']).values.help, true)
  assert.equal(parse(['--help']).values.help, true)
})

test('a negative number after a string flag is its value, for the flag to judge', () => {
  assert.equal(parse(['--limit', '-1']).values.limit, '-1')
  assert.equal(parse(['--limit', '-0.5', 'x']).values.limit, '-0.5')
  assert.deepEqual(parse(['--limit', '-1']).positionals, [])
  // After `--` nothing is a flag's value; a word is still a missing value.
  assert.deepEqual(parse(['--', '--limit', '-1']).positionals, ['--limit', '-1'])
  assert.match(refusal(['--limit', '--json']), /--limit/)
})

test('a flag given twice is refused, naming both; a multiple flag may repeat', () => {
  assert.match(refusal(['--limit', '1', '--limit=2']), /--limit is given twice \(--limit 1, then --limit 2\)/)
  assert.match(refusal(['--json', '--json']), /--json is given twice/)
  assert.deepEqual(parse(['--tag', 'a', '--tag', 'b']).values.tag, ['a', 'b'])
})

test('an empty value is refused, in either spelling', () => {
  assert.match(refusal(['--limit', '']), /--limit needs a value, got an empty string/)
  assert.match(refusal(['--limit=']), /--limit needs a value/)
  assert.match(refusal(['--tag', '']), /--tag needs a value/)
})

test("node's own refusals stay as they were, and tokens are only returned when asked", () => {
  assert.match(refusal(['--bogus']), /Unknown option '--bogus'/)
  assert.match(refusal(['--limit']), /--limit <value>' argument missing/)
  assert.equal('tokens' in parse(['--json']), false)
  const withTokens = parseArgs({ args: ['--json'], options: OPTIONS, tokens: true })
  assert.equal(withTokens.tokens.length, 1)
})

test('--url and --hub take an http(s) URL; --ollama-host may be HOST:PORT', () => {
  const options = {
    url: { type: 'string' },
    hub: { type: 'string' },
    'ollama-host': { type: 'string' },
  } as const
  assert.equal(
    parseArgs({ args: ['--ollama-host', '127.0.0.1:11434'], options }).values['ollama-host'],
    '127.0.0.1:11434',
  )
  const ok = parseArgs({ args: ['--url', 'http://127.0.0.1:8000', '--hub=https://hub.example'], options })
  assert.equal(ok.values.url, 'http://127.0.0.1:8000')
  for (const [flag, value] of [
    ['--url', 'notaurl'],
    ['--hub', '127.0.0.1:8000'],
    ['--url', 'ftp://x'],
  ]) {
    assert.throws(
      () => parseArgs({ args: [flag!, value!], options }),
      (error: Error & { code?: string }) =>
        error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' &&
        error.message === `${flag} must be an http:// or https:// URL, got ${JSON.stringify(value)}`,
    )
  }
})
