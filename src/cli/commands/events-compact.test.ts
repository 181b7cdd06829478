import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { test } from 'node:test'
import { runCommand } from '../../../test/kit/cli-io.ts'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { run as events } from './events.ts'

const SCHEMA = new URL('../../../catalog/hub-manifest.schema.json', import.meta.url)

/** The manifest's retention.events limits, each with the compact flag that gives it. */
const FLAGS = { maxAgeDays: '--max-age-days', maxCount: '--max-count', maxBytes: '--max-bytes' } as const
type Limit = keyof typeof FLAGS

function schemaMinimums(): [Limit, number][] {
  const schema = JSON.parse(readFileSync(SCHEMA, 'utf8')) as {
    $defs: { RetentionRule: { properties: Record<string, { minimum: number; maximum?: number }> } }
  }
  const rule = schema.$defs.RetentionRule.properties
  return (Object.keys(FLAGS) as Limit[]).map((key) => {
    assert.equal(rule[key]!.maximum, undefined, `${key} has no maximum in the schema`)
    return [key, rule[key]!.minimum]
  })
}

test('compact takes the ranges of the manifest schema; a smaller cap is refused before the log is touched', async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const dataDir = join(dir.path, 'data')
  const call = (args: string[], input = '') =>
    runCommand((argv, io) => events(argv, { ...io, stdin: Readable.from([input]) }), args, {
      cwd: dir.path,
      dataDir,
    })
  const lines = Array.from({ length: 200 }, (_, n) =>
    JSON.stringify({ type: 'ui.feedback', payload: { target: `t${n}`, helpful: true } }),
  )
  const published = await call(['publish', '-'], `${lines.join('\n')}\n`)
  assert.equal(published.code, 0, published.stderr)
  const stored = async () =>
    (await call(['replay', '--type', 'ui.feedback', '--json'])).stdout.split('\n').filter(Boolean).length

  // `--max-bytes 100` deleted every event of the log.
  const tiny = await call(['compact', '--max-bytes', '100'])
  assert.equal(tiny.code, 2, tiny.stderr)
  assert.match(tiny.stderr, /--max-bytes must be a whole number from 65536 to \d+, got "100"/)
  assert.equal(await stored(), 200, 'nothing deleted')

  for (const [key, minimum] of schemaMinimums()) {
    const flag = FLAGS[key]
    const below = await call(['compact', flag, String(minimum - 1)])
    assert.equal(below.code, 2, `${flag} ${minimum - 1}: ${below.stderr}`)
    assert.match(below.stderr, new RegExp(`${flag} must be a whole number from ${minimum} to \\d+`))
    assert.equal(await stored(), 200, `${flag} ${minimum - 1} deleted nothing`)
  }
  // What the manifest takes, the CLI takes: the least of each, and the docs' 2 GB cap (ten digits).
  for (const [key, minimum] of schemaMinimums()) {
    for (const value of [2_000_000_000, minimum]) {
      const taken = await call(['compact', FLAGS[key], String(value)])
      assert.equal(taken.code, 0, `${FLAGS[key]} ${value}: ${taken.stderr}`)
    }
  }
})
