import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { parse } from 'yaml'
import { writeFixtureCatalog } from '../../test/kit/catalog-fixture.ts'
import { lintCatalog } from './lint-catalog.ts'
import { scaffoldEntry } from './scaffold-entry.ts'

const HEADER = '# Index comment that must survive.\n# Second line.\n'

function fixture(t: { after: (fn: () => void) => void }) {
  const catalog = writeFixtureCatalog([{ type: 'note.added' }], HEADER)
  t.after(catalog.remove)
  // A trailing comment inside the entries list, as people leave them.
  const file = join(catalog.dir, 'registry.yaml')
  writeFileSync(
    file,
    readFileSync(file, 'utf8').replace('  - type: note.added', '  # ---- notes\n  - type: note.added'),
  )
  return { ...catalog, file }
}

describe('registry scaffold', () => {
  test('creates a folder that lints clean and keeps every byte of registry.yaml', (t) => {
    const catalog = fixture(t)
    const before = readFileSync(catalog.file, 'utf8')
    const report = scaffoldEntry(catalog.dir, {
      type: 'note.archived',
      kind: 'event',
      version: 1,
      summary: 'A note was archived.',
    })
    const after = readFileSync(catalog.file, 'utf8')
    assert.ok(after.startsWith(before), 'the existing text is unchanged')
    assert.match(after.slice(before.length), /^ {2}- type: note\.archived\n {4}version: 1\n {4}kind: event\n/)
    assert.match(after.slice(before.length), /ui: \{ ?render: json, icon: circle ?\}/)
    const entries = (parse(after) as { entries: { type: string; origin: string[] }[] }).entries
    assert.deepEqual(entries.at(-1)!.origin, ['product'])
    assert.ok(report.created.includes('events/note/archived/v1/schema.json'))
    const errors = lintCatalog(catalog.dir, { baseline: false }).filter((item) => item.level === 'error')
    assert.deepEqual(errors, [])
  })

  test('a command gets its reply, and both lint clean', (t) => {
    const catalog = fixture(t)
    const report = scaffoldEntry(catalog.dir, { type: 'note.export', kind: 'command', version: 1 })
    assert.ok(report.created.includes('events/note/export.result/v1/schema.json'))
    const types = (parse(readFileSync(catalog.file, 'utf8')) as { entries: { type: string; kind: string }[] })
      .entries
    assert.deepEqual(
      types.slice(-2).map((entry) => `${entry.type}:${entry.kind}`),
      ['note.export:command', 'note.export.result:reply'],
    )
    const errors = lintCatalog(catalog.dir, { baseline: false }).filter((item) => item.level === 'error')
    assert.deepEqual(errors, [])
  })

  test('refuses an existing type@version, bad names and bad options', (t) => {
    const catalog = fixture(t)
    assert.throws(
      () => scaffoldEntry(catalog.dir, { type: 'note.added', kind: 'event', version: 1 }),
      /already in registry\.yaml; a changed schema needs --version 2/,
    )
    assert.throws(
      () => scaffoldEntry(catalog.dir, { type: 'Note.Added', kind: 'event', version: 1 }),
      /is not namespace\.name/,
    )
    assert.throws(
      () => scaffoldEntry(catalog.dir, { type: 'note', kind: 'event', version: 1 }),
      /is not namespace\.name/,
    )
    assert.throws(
      () => scaffoldEntry(catalog.dir, { type: 'note.answer', kind: 'reply', version: 1 }),
      /<command>\.result/,
    )
    assert.throws(
      () => scaffoldEntry(catalog.dir, { type: 'note.x.result', kind: 'event', version: 1 }),
      /use --kind reply/,
    )
    assert.throws(
      () => scaffoldEntry(catalog.dir, { type: 'note.moved', kind: 'event', version: 0 }),
      /--version/,
    )
    assert.throws(
      () => scaffoldEntry(catalog.dir, { type: '__proto__.x', kind: 'event', version: 1 }),
      /namespace\.name/,
    )
    assert.equal(existsSync(join(catalog.dir, 'events/note/moved')), false, 'nothing is written on refusal')
    const warned = scaffoldEntry(catalog.dir, { type: 'note.banana', kind: 'event', version: 1 })
    assert.match(warned.warnings[0]!, /past participle/)
  })
})
