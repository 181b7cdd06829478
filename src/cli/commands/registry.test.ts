import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, test } from 'node:test'
import { writeFixtureCatalog } from '../../../test/kit/catalog-fixture.ts'
import type { CommandIo } from '../io.ts'
import { run } from './registry.ts'

function memoryIo(cwd: string) {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const out: string[] = []
  const err: string[] = []
  stdout.on('data', (chunk) => out.push(String(chunk)))
  stderr.on('data', (chunk) => err.push(String(chunk)))
  const io: CommandIo = { stdin: new PassThrough(), stdout, stderr, env: {}, cwd }
  return { io, out: () => out.join(''), err: () => err.join('') }
}

function fixture(t: { after: (fn: () => void) => void }) {
  const catalog = writeFixtureCatalog([
    { type: 'note.added' },
    { type: 'note.archive', kind: 'command' },
    { type: 'note.archive.result', kind: 'reply' },
  ])
  t.after(catalog.remove)
  return catalog
}

describe('localhub registry', () => {
  test('lint prints findings and exits 0 on a clean catalog, 1 on errors', async (t) => {
    const catalog = fixture(t)
    const clean = memoryIo(catalog.root)
    assert.equal(await run(['lint', '--catalog', 'catalog'], clean.io), 0)
    assert.match(clean.out(), /0 error\(s\), 0 warning\(s\)/)
    writeFileSync(join(catalog.dir, 'events/note/added/v1/invalid/invalid-1.json'), '{"text":"ok"}')
    const broken = memoryIo(catalog.root)
    assert.equal(await run(['lint', '--catalog', 'catalog', '--json'], broken.io), 1)
    const findings = JSON.parse(broken.out()) as { level: string; where: string }[]
    assert.deepEqual(
      findings.map((item) => [item.level, item.where]),
      [['error', 'events/note/added/v1/invalid/invalid-1.json']],
    )
  })

  test('--strict fails on warnings', async (t) => {
    const catalog = fixture(t)
    const file = join(catalog.dir, 'registry.yaml')
    writeFileSync(file, readFileSync(file, 'utf8').replace('status: stable', 'status: deprecated'))
    assert.equal(await run(['lint', '--catalog', 'catalog'], memoryIo(catalog.root).io), 0)
    assert.equal(await run(['lint', '--catalog', 'catalog', '--strict'], memoryIo(catalog.root).io), 1)
  })

  test('gen writes next to the catalog, --check then passes; docs writes only docs', async (t) => {
    const catalog = fixture(t)
    const before = memoryIo(catalog.root)
    assert.equal(await run(['gen', '--catalog', 'catalog', '--check'], before.io), 1)
    assert.match(before.err(), /missing: catalog\/dist\/registry\.json[\s\S]*run `npm run gen`/)
    const gen = memoryIo(catalog.root)
    assert.equal(await run(['gen', '--catalog', 'catalog'], gen.io), 0)
    for (const path of [
      'catalog/dist/registry.json',
      'catalog/dist/asyncapi.yaml',
      'src/contracts/generated/event-types.ts',
      'python/localhub_events/models.py',
      'docs/events/note.md',
    ]) {
      assert.ok(existsSync(join(catalog.root, path)), path)
    }
    assert.equal(await run(['gen', '--catalog', 'catalog', '--check'], memoryIo(catalog.root).io), 0)
    writeFileSync(join(catalog.root, 'docs/events/note.md'), 'edited by hand')
    const docs = memoryIo(catalog.root)
    assert.equal(await run(['docs', '--catalog', 'catalog'], docs.io), 0)
    assert.match(docs.out(), /^wrote {3}docs\/events\/note\.md$/m)
    assert.match(docs.out(), /1 written/)
  })

  test('gen refuses a catalog with errors unless --force', async (t) => {
    const catalog = fixture(t)
    writeFileSync(join(catalog.dir, 'events/note/added/v1/invalid/invalid-1.json'), '{"text":"ok"}')
    const refused = memoryIo(catalog.root)
    assert.equal(await run(['gen', '--catalog', 'catalog'], refused.io), 1)
    assert.match(refused.err(), /not generating from a catalog with errors/)
    assert.equal(existsSync(join(catalog.root, 'catalog/dist/registry.json')), false)
    assert.equal(await run(['gen', '--catalog', 'catalog', '--force'], memoryIo(catalog.root).io), 0)
    assert.equal(existsSync(join(catalog.root, 'catalog/dist/registry.json')), true)
  })

  test('scaffold creates an entry; usage errors are clear', async (t) => {
    const catalog = fixture(t)
    const made = memoryIo(catalog.root)
    assert.equal(
      await run(
        [
          'scaffold',
          'note.pinned',
          '--catalog',
          'catalog',
          '--kind',
          'event',
          '--summary',
          'A note was pinned.',
        ],
        made.io,
      ),
      0,
    )
    assert.match(made.out(), /created events\/note\/pinned\/v1\/schema\.json/)
    assert.match(readFileSync(join(catalog.dir, 'registry.yaml'), 'utf8'), /summary: A note was pinned\./)
    const again = memoryIo(catalog.root)
    assert.equal(await run(['scaffold', 'note.pinned', '--catalog', 'catalog'], again.io), 1)
    assert.match(again.err(), /E_BAD_REQUEST: note\.pinned@1 is already in registry\.yaml/)
    const cases: [string[], RegExp][] = [
      [[], /usage: localhub registry/],
      [['frobnicate'], /unknown verb 'frobnicate'/],
      [['lint', '--nope'], /Unknown option '--nope'/],
      [['scaffold'], /usage: localhub registry scaffold/],
      [['scaffold', 'note.x', '--version', 'two'], /--version must be a whole number/],
    ]
    for (const [args, pattern] of cases) {
      const io = memoryIo(catalog.root)
      assert.equal(await run(args, io.io), 2, args.join(' '))
      assert.match(io.err(), pattern)
    }
    const help = memoryIo(catalog.root)
    assert.equal(await run(['--help'], help.io), 0)
    assert.match(help.out(), /scaffold/)
  })
})
