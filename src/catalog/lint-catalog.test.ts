import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { type FixtureEntry, fixtureSchema, writeFixtureCatalog } from '../../test/kit/catalog-fixture.ts'
import { breakingChanges } from './lint-breaking.ts'
import { lintCatalog } from './lint-catalog.ts'
import type { LintFinding } from './lint-types.ts'
import { loadCatalog } from './load-catalog.ts'

const note = (extra: Partial<FixtureEntry> = {}): FixtureEntry => ({ type: 'note.added', ...extra })

function lintFixture(
  entries: FixtureEntry[],
  t: { after: (fn: () => void) => void },
  change?: (dir: string) => void,
) {
  const fixture = writeFixtureCatalog(entries)
  t.after(fixture.remove)
  change?.(fixture.dir)
  return lintCatalog(fixture.dir, { baseline: false })
}

function errors(findings: LintFinding[]): LintFinding[] {
  return findings.filter((item) => item.level === 'error')
}

function has(findings: LintFinding[], level: 'error' | 'warning', where: RegExp, message: RegExp): boolean {
  return findings.some((item) => item.level === level && where.test(item.where) && message.test(item.message))
}

describe('registry lint', () => {
  test('a clean catalog has no findings', (t) => {
    const findings = lintFixture(
      [
        note(),
        { type: 'repo.skill.install', kind: 'command' },
        { type: 'repo.skill.install.result', kind: 'reply' },
      ],
      t,
    )
    assert.deepEqual(findings, [])
  })

  test('index and folders must agree', (t) => {
    const findings = lintFixture([note(), note({ type: 'note.removed' })], t, (dir) => {
      rmSync(join(dir, 'events/note/removed/v1/invalid'), { recursive: true })
      mkdirSync(join(dir, 'events/note/archived/v1'), { recursive: true })
      mkdirSync(join(dir, 'events/note/added/version2'), { recursive: true })
      writeFileSync(join(dir, 'events/note/added/v1/examples/readme.txt'), 'x')
    })
    assert.ok(has(findings, 'error', /^events\/note\/removed\/v1\/invalid\/$/, /no invalid\/\*\.json/))
    assert.ok(
      has(
        findings,
        'error',
        /^events\/note\/archived\/v1\/$/,
        /not in registry\.yaml \(no entry note\.archived@1\)/,
      ),
    )
    assert.ok(has(findings, 'error', /^events\/note\/added\/version2\/$/, /v<major>/))
    assert.ok(has(findings, 'warning', /examples\/readme\.txt$/, /not a \.json file/))
  })

  test('a missing folder and duplicate type@version are errors', (t) => {
    const findings = lintFixture([note(), note()], t, (dir) =>
      rmSync(join(dir, 'events'), { recursive: true }),
    )
    assert.ok(has(findings, 'error', /^note\.added@1$/, /folder events\/note\/added\/v1\/ is missing/))
    assert.ok(
      has(findings, 'error', /#\/entries\/1\/type \(line \d+\)$/, /duplicate note\.added@1 \(also entry 0\)/),
    )
  })

  test('entry fields are checked with the line they sit on', (t) => {
    const findings = lintFixture(
      [
        note({
          fields: {
            kind: 'evnt',
            channel: 'sms',
            stored: 'yes',
            ui: { render: 'Chat Bubble', icon: 'x', colour: 'red' },
            semantics: { delivery: 'twice', ordering: 'session' },
            origin: ['003', '7'],
            consumer: ['typo'],
            summary: undefined,
          },
        }),
      ],
      t,
    )
    const byMessage = (pattern: RegExp) => findings.find((item) => pattern.test(item.message))
    assert.match(byMessage(/^kind "evnt"/)!.fix, /use event/)
    assert.match(byMessage(/^kind "evnt"/)!.where, /^registry\.yaml#\/entries\/0\/kind \(line \d+\)$/)
    assert.ok(byMessage(/^channel "sms" is not one of/))
    assert.ok(byMessage(/^stored must be true or false/))
    assert.ok(byMessage(/^ui\.render "Chat Bubble"/))
    assert.ok(byMessage(/^unknown ui field "colour"/))
    assert.ok(byMessage(/^semantics\.delivery "twice"/))
    assert.ok(byMessage(/^origin "7"/))
    assert.match(byMessage(/^unknown field "consumer"/)!.fix, /did you mean "consumers"/)
    assert.ok(byMessage(/^missing field "summary"/))
  })

  test('aliases may not collide with types or with each other', (t) => {
    const findings = lintFixture(
      [
        note({ fields: { aliases: ['note.removed', 'note.new'] } }),
        note({ type: 'note.removed', fields: { aliases: ['note.new'] } }),
      ],
      t,
    )
    assert.ok(has(findings, 'error', /entries\/0\/aliases/, /alias "note\.removed" is itself a type/))
    assert.ok(
      has(findings, 'error', /entries\/1\/aliases/, /alias "note\.new" is also an alias of note\.added/),
    )
  })

  test('schemas must document themselves, compile and close their objects', (t) => {
    const findings = lintFixture(
      [
        note({
          schema: { type: 'object', additionalProperties: false, properties: { text: { type: 'string' } } },
        }),
        note({
          type: 'note.removed',
          schema: { ...fixtureSchema('Removed', { text: { type: 'string', 'x-unknown': 1 } }) },
          examples: [{}],
          invalid: [{ other: 1 }],
        }),
        note({
          type: 'note.edited',
          schema: {
            ...fixtureSchema('Edited', { inner: { type: 'object', properties: { a: { type: 'string' } } } }),
            additionalProperties: undefined,
          },
          examples: [{}],
          invalid: [[]],
        }),
        note({
          type: 'note.moved',
          schema: fixtureSchema('Moved', { secret: { type: 'string', 'x-redact': 'shred' } }),
          examples: [{}],
          invalid: [[]],
        }),
      ],
      t,
    )
    assert.ok(has(findings, 'error', /note\/added\/v1\/schema\.json#\/title$/, /no title/))
    assert.ok(has(findings, 'error', /note\/added\/v1\/schema\.json#\/description$/, /no description/))
    assert.ok(has(findings, 'warning', /note\/added\/v1\/schema\.json#\/\$schema$/, /\$schema is undefined/))
    assert.ok(has(findings, 'error', /note\/removed\/v1\/schema\.json$/, /does not compile .*x-unknown/))
    assert.ok(
      has(findings, 'warning', /note\/edited\/v1\/schema\.json#\/additionalProperties$/, /open by omission/),
    )
    assert.ok(
      has(findings, 'warning', /note\/edited\/v1\/schema\.json#\/properties\/inner$/, /open by omission/),
    )
    assert.ok(has(findings, 'error', /note\/moved\/v1\/schema\.json$/, /x-redact must be drop, hash or cap/))
  })

  test('examples must pass and invalid examples must fail', (t) => {
    const findings = lintFixture(
      [note({ examples: [{ text: 'far too long for ten' }], invalid: [{ text: 'ok' }] })],
      t,
      (dir) => {
        writeFileSync(join(dir, 'events/note/added/v1/examples/broken.json'), '{"text": ')
      },
    )
    assert.ok(
      has(
        findings,
        'error',
        /examples\/example-1\.json$/,
        /fails its schema: \/text must NOT have more than 10 characters/,
      ),
    )
    assert.ok(has(findings, 'error', /examples\/broken\.json$/, /not valid JSON/))
    assert.ok(has(findings, 'error', /invalid\/invalid-1\.json$/, /passes validation/))
  })

  test('naming: commands need replies, replies end in .result, events read as facts', (t) => {
    const findings = lintFixture(
      [
        { type: 'repo.skill.install', kind: 'command' },
        { type: 'repo.skill.answer', kind: 'reply' },
        note({ type: 'note.create' }),
        note({ type: 'note.banana' }),
        note({ type: 'tool.result', fields: { origin: ['003'] } }),
        note({ type: 'note.snapshot' }),
        note({ type: 'note.chunk' }),
        note({ type: 'note.sent', fields: { status: 'deprecated' } }),
      ],
      t,
    )
    assert.ok(
      has(findings, 'error', /^repo\.skill\.install@1$/, /no reply entry repo\.skill\.install\.result/),
    )
    assert.ok(has(findings, 'error', /entries\/1\/type/, /reply repo\.skill\.answer must end in \.result/))
    assert.ok(has(findings, 'warning', /entries\/2\/type/, /verb "create"/))
    assert.ok(has(findings, 'warning', /entries\/3\/type/, /note\.banana does not end in a past participle/))
    assert.ok(has(findings, 'warning', /^note\.sent@1$/, /deprecated/))
    for (const exempt of ['tool.result', 'note.snapshot', 'note.chunk']) {
      assert.ok(
        !findings.some((item) => item.message.includes(exempt)),
        `${exempt} should pass the naming rule`,
      )
    }
  })

  test('the idempotency key must be a payload field', (t) => {
    const findings = lintFixture(
      [
        note({
          fields: { semantics: { delivery: 'at-least-once', ordering: 'none', idempotencyKey: 'noteId' } },
        }),
      ],
      t,
    )
    assert.ok(
      has(findings, 'error', /semantics\/idempotencyKey/, /"noteId" is not a property of the payload/),
    )
  })

  test('breaking changes against the last generated index are errors', (t) => {
    const fixture = writeFixtureCatalog([
      note({
        schema: fixtureSchema(
          'Note',
          { text: { type: 'string', maxLength: 10 }, tag: { enum: ['a', 'b'] } },
          ['text'],
        ),
        examples: [{ text: 'hi', tag: 'b' }],
      }),
    ])
    t.after(fixture.remove)
    const baseline = loadCatalog(fixture.dir).document
    const tighter = fixtureSchema(
      'Note',
      { text: { type: 'string', maxLength: 5 }, tag: { enum: ['a'] }, level: { type: 'integer' } },
      ['text', 'level'],
    )
    writeFileSync(join(fixture.dir, 'events/note/added/v1/schema.json'), JSON.stringify(tighter))
    writeFileSync(
      join(fixture.dir, 'events/note/added/v1/examples/example-1.json'),
      '{"text":"hi","tag":"a","level":1}',
    )
    const findings = lintCatalog(fixture.dir, { baseline })
    assert.ok(
      has(
        findings,
        'error',
        /schema\.json#\/properties\/text$/,
        /breaking change to published note\.added@1: maxLength lowered to 5/,
      ),
    )
    assert.ok(has(findings, 'error', /schema\.json#\/properties\/tag$/, /enum no longer allows "b"/))
    assert.ok(has(findings, 'error', /schema\.json#\/$/, /property "level" became required/))
    assert.ok(has(findings, 'error', /schema\.json$/, /former example 1 no longer validates/))
    assert.match(findings.find((item) => /breaking/.test(item.message))!.fix, /events\/note\/added\/v2\//)
  })

  test('compatible changes are not breaking', () => {
    const before = fixtureSchema('N', { a: { type: 'string', maxLength: 5 } }, ['a'])
    const after = fixtureSchema('N', { a: { type: 'string', maxLength: 50 }, b: { type: 'integer' } }, ['a'])
    assert.deepEqual(breakingChanges(before, after), [])
    assert.deepEqual(breakingChanges(after, before), [
      '/: property "b" removed',
      '/properties/a: maxLength lowered to 5',
    ])
  })

  test('hostile files give findings, not crashes', (t) => {
    const findings = lintFixture([note(), note({ type: 'note.removed' })], t, (dir) => {
      writeFileSync(join(dir, 'events/note/added/v1/schema.json'), Buffer.from([0xff, 0x00, 0xfe, 0x7b]))
      const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`
      writeFileSync(join(dir, 'events/note/removed/v1/examples/deep.json'), deep)
      writeFileSync(
        join(dir, 'events/note/removed/v1/invalid/proto.json'),
        '{"__proto__": {"polluted": true}, "text": 1}',
      )
    })
    assert.ok(has(findings, 'error', /note\/added\/v1\/schema\.json$/, /not valid JSON/))
    assert.ok(has(findings, 'error', /examples\/deep\.json$/, /fails its schema/))
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })

  test('an unreadable registry.yaml is reported with its line', (t) => {
    const findings = lintFixture([note()], t, (dir) =>
      writeFileSync(join(dir, 'registry.yaml'), 'entries:\n  - type: [unclosed\n'),
    )
    assert.equal(errors(findings).length >= 1, true)
    assert.match(findings[0]!.where, /^registry\.yaml \(line \d+\)$/)
    assert.match(findings[0]!.message, /^YAML:/)
  })

  test('the real catalog lints with precise, well-formed findings', () => {
    const findings = lintCatalog(undefined, { baseline: false })
    for (const item of findings) {
      assert.ok(item.where.length > 0 && item.message.length > 0 && item.fix.length > 0, JSON.stringify(item))
    }
    const payloadErrors = errors(findings).filter((item) => item.where.startsWith('events/'))
    assert.deepEqual(payloadErrors, [], 'payload schemas and examples of the real catalog must be valid')
    assert.ok(readFileSync(new URL('../../catalog/registry.yaml', import.meta.url), 'utf8').length > 0)
  })
})
