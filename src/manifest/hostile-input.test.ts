import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, describe, test } from 'node:test'
import { HubError } from '../contracts/index.ts'
import { checkManifestText, DEFAULT_MANIFEST_MAX_BYTES, loadManifest, type ManifestIssue } from './index.ts'

const repoRoot = resolve(import.meta.dirname, '../..')
const minimal = readFileSync(resolve(repoRoot, 'manifests/examples/minimal.yaml'), 'utf8')
// Every case must answer quickly; a hang or a blown stack fails the test by timeout or crash.
const FAST = { timeout: 10_000 }

function refused(text: string): { code: string; issues: ManifestIssue[] } {
  const result = checkManifestText(text)
  assert.equal(result.ok, false)
  if (result.ok) throw new Error('unreachable')
  assert.ok(result.issues.length > 0)
  for (const issue of result.issues) {
    assert.ok(issue.line >= 1 && issue.column >= 1, 'every issue has a position')
    assert.ok(issue.problem.length > 0 && issue.fix.length > 0, 'every issue says what and how')
  }
  return { code: result.code, issues: result.issues }
}

describe('hostile and malformed manifests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'localhub-manifest-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  test('not YAML: an unclosed flow list, with the position', FAST, () => {
    const { code, issues } = refused('manifestVersion: "0.2"\nskills: [a, b\n')
    assert.equal(code, 'E_VALIDATION')
    assert.match(issues[0]!.problem, /^not valid YAML/)
    // The parser notices the missing ] where the input ends.
    assert.ok(issues[0]!.line >= 2)
  })

  test('valid YAML that is not a mapping, and an empty file', FAST, () => {
    assert.equal(refused('just a sentence').issues[0]!.problem, 'the manifest is not a mapping')
    assert.equal(refused('- a\n- b\n').issues[0]!.problem, 'the manifest is not a mapping')
    assert.equal(refused('').issues[0]!.problem, 'the manifest is empty')
    assert.equal(refused('# only a comment\n').issues[0]!.problem, 'the manifest is empty')
  })

  test('binary data, as text and as a file', FAST, async () => {
    const { issues } = refused(`manifestVersion: "0.2"\n\u0000\u0001\u0002garbage`)
    assert.match(issues[0]!.problem, /control character U\+0000: this looks like binary data/)
    assert.equal(issues[0]!.line, 2)
    const file = join(dir, 'binary.yaml')
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0xc3]), randomBytes(4096)]))
    await assert.rejects(loadManifest(file), (error: unknown) => {
      assert.ok(error instanceof HubError)
      assert.equal(error.code, 'E_VALIDATION')
      assert.match((error.details!.issues as ManifestIssue[])[0]!.problem, /not UTF-8 text/)
      return true
    })
  })

  test('a billion-laughs alias bomb is refused, not expanded', FAST, () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level)
      const name = String.fromCharCode(97 + level)
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`)
    }
    const { code, issues } = refused(`${levels.join('\n')}\n`)
    assert.equal(code, 'E_RESOURCE_LIMIT')
    assert.match(issues[0]!.problem, /aliases expand too much/)
  })

  test('a 10 MB manifest is refused by size, as text and as a file (before reading it)', FAST, async () => {
    const huge = `manifestVersion: "0.2"\nx-padding: "${'a'.repeat(10 * 1024 * 1024)}"\n`
    const { code, issues } = refused(huge)
    assert.equal(code, 'E_RESOURCE_LIMIT')
    assert.match(issues[0]!.problem, new RegExp(`the limit is ${DEFAULT_MANIFEST_MAX_BYTES}`))
    const file = join(dir, 'huge.yaml')
    writeFileSync(file, huge)
    await assert.rejects(loadManifest(file), (error: unknown) => {
      assert.ok(error instanceof HubError)
      assert.equal(error.code, 'E_RESOURCE_LIMIT')
      assert.equal((error.details!.issues as ManifestIssue[]).length, 1)
      return true
    })
  })

  test('deep nesting: flow brackets, compact block lists and indented mappings', FAST, () => {
    const flow = refused(`x-deep: ${'['.repeat(500_000)}${']'.repeat(500_000)}\n`)
    assert.equal(flow.code, 'E_RESOURCE_LIMIT')
    assert.match(flow.issues[0]!.problem, /nesting is deeper than/)
    const compact = refused(`x-deep:\n${'- '.repeat(100_000)}x\n`)
    assert.equal(compact.code, 'E_RESOURCE_LIMIT')
    let indented = 'x-deep:\n'
    for (let depth = 1; depth <= 80; depth++) indented += `${'  '.repeat(depth)}k${depth}:\n`
    const block = refused(indented)
    assert.equal(block.code, 'E_RESOURCE_LIMIT')
    assert.match(block.issues[0]!.problem, /nesting is deeper than 64 levels/)
  })

  test('__proto__, constructor and prototype keys are refused and pollute nothing', FAST, () => {
    const text = minimal.replace(
      'latencyClass: realtime_text',
      'latencyClass: realtime_text\n    config:\n      __proto__: { polluted: true }\n      constructor: { prototype: 1 }',
    )
    const { issues } = refused(`__proto__:\n  isAdmin: true\n${text}`)
    assert.deepEqual(
      issues.map((issue) => issue.path),
      ['/__proto__', '/skills/0/config/__proto__', '/skills/0/config/constructor'],
    )
    assert.equal(issues[0]!.line, 1)
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined)
  })

  test('duplicate keys are refused at the second occurrence', FAST, () => {
    const text = minimal.replace('  mode: local-first', '  mode: local-first\n  mode: hybrid')
    const { issues } = refused(text)
    assert.match(issues[0]!.problem, /duplicate key/)
    const lines = text.split('\n')
    assert.match(lines[issues[0]!.line - 1]!, /mode: hybrid/)
  })

  test('keys that differ only as YAML types still collide (1 and "1")', FAST, () => {
    const { issues } = refused('x-a:\n  1: one\n  "1": two\n')
    assert.match(issues[0]!.problem, /duplicate key/)
  })

  test('several documents in one file, tabs as indentation, complex keys', FAST, () => {
    assert.match(
      refused(`${minimal}\n---\nmanifestVersion: "0.3"\n`).issues[0]!.problem,
      /more than one YAML document/,
    )
    assert.ok(refused('system:\n\tid: x\n').issues.length > 0)
    assert.match(refused('? [a, b]\n: c\n').issues[0]!.problem, /key is a list or mapping/)
  })

  test('tags that would build Buffers, Sets or custom objects, and dangling aliases', FAST, () => {
    for (const text of ['x-a: !!binary aGVsbG8=\n', 'x-a: !!set { a }\n', 'x-a: !js/function "f(){}"\n']) {
      const { code, issues } = refused(text)
      assert.equal(code, 'E_VALIDATION')
      assert.match(issues[0]!.problem, /no tags/)
    }
    assert.match(refused('x-a: *nowhere\n').issues[0]!.problem, /Unresolved alias/)
  })

  test('a long run of dashes in text is not nesting', FAST, () => {
    const text = minimal.replace(
      'mode: local-first',
      `mode: local-first\n  x-rule: |\n    ${'-'.repeat(2000)}`,
    )
    assert.equal(checkManifestText(text).ok, true)
  })

  test('a huge string inside an allowed place within the size limit is fine', FAST, () => {
    const text = minimal.replace('mode: local-first', `mode: local-first\n  x-note: "${'n'.repeat(500_000)}"`)
    assert.equal(checkManifestText(text).ok, true)
  })
})
