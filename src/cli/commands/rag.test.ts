import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { type CommandOutcome, runCommand } from '../../../test/kit/cli-io.ts'
import { run } from './rag.ts'

const root = mkdtempSync(join(tmpdir(), 'localhub-cli-rag-'))
after(() => rmSync(root, { recursive: true, force: true }))

function cli(args: string[]): Promise<CommandOutcome> {
  return runCommand(run, args, { cwd: root, dataDir: join(root, 'data') })
}

test('index then search, as text and JSON', async () => {
  mkdirSync(join(root, 'docs'))
  writeFileSync(join(root, 'docs', 'bees.md'), '# Bees\n\nHoney bees dance to share where flowers are.\n')
  writeFileSync(join(root, 'docs', 'ants.txt'), 'Ants farm aphids for honeydew.')
  writeFileSync(join(root, 'docs', 'blob.bin'), Buffer.from([1, 0, 2, 0]))

  const indexed = await cli(['index', 'docs', '--verbose'])
  assert.equal(indexed.code, 0, indexed.stderr)
  assert.match(indexed.stdout, /3 files: 2 indexed, 0 unchanged, 0 removed, 1 skipped/)
  assert.match(indexed.stderr, /\[1\/3\] indexed .*ants\.txt \(1 chunks\)/)
  assert.match(indexed.stderr, /skipped .*blob\.bin: binary file/)
  const again = JSON.parse((await cli(['index', 'docs', '--json'])).stdout) as { unchanged: number }
  assert.equal(again.unchanged, 2)
  assert.equal(JSON.parse((await cli(['index', 'docs', '--json', '--full'])).stdout).indexed, 2)

  const text = await cli(['search', 'honey', 'bees'])
  assert.equal(text.code, 0)
  assert.match(text.stdout, /^1\. Bees {2}.*bees\.md:1-3 {2}\(score /)
  const json = JSON.parse((await cli(['search', 'aphids', '--top-k', '1', '--json'])).stdout) as {
    hits: { title: string; location: { path: string } }[]
  }
  assert.equal(json.hits.length, 1)
  assert.equal(json.hits[0]!.title, 'ants.txt')
  assert.equal(json.hits[0]!.location.path, join(root, 'docs', 'ants.txt'))
  const none = await cli(['search', 'NEAR("', '*'])
  assert.equal(none.code, 0)
  assert.match(none.stderr, /no matches/)
})

test('clear errors: usage, missing index, corrupt file', async () => {
  for (const args of [
    [],
    ['reindex'],
    ['index'],
    ['search'],
    ['search', 'x', '--top-k', '0'],
    ['search', 'x', '--top-k', '1e3'],
    ['index', '.', '--max-file-size', '-1'],
    ['index', '--what'],
  ]) {
    const result = await cli(args)
    assert.equal(result.code, 2, args.join(' '))
    assert.match(result.stderr, /usage: localhub rag/)
  }
  const missing = await cli(['search', 'bees', '--data', 'empty'])
  assert.equal(missing.code, 1)
  assert.match(missing.stderr, /no index at .*empty\/rag\.sqlite/)
  mkdirSync(join(root, 'broken'))
  writeFileSync(join(root, 'broken', 'rag.sqlite'), 'not sqlite at all'.repeat(500))
  const corrupt = await cli(['search', 'bees', '--data', 'broken'])
  assert.equal(corrupt.code, 1)
  assert.match(corrupt.stderr, /broken\/rag\.sqlite/)
})
