import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { applyHunks, parsePatch, unifiedDiff } from './index.ts'

const code = (expected: string) => (error: unknown) => (error as { code?: string }).code === expected

function apply(before: string, patch: string): string {
  const [file] = parsePatch(patch)
  return applyHunks('f.txt', before, file!.hunks)
}

describe('unified diff parser and applier', () => {
  test('several hunks in one file apply at their exact positions', () => {
    const before = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', ''].join('\n')
    const patch = [
      'diff --git a/f.txt b/f.txt',
      'index 1234..5678 100644',
      '--- a/f.txt\t2026-01-01 00:00:00',
      '+++ b/f.txt\t2026-01-01 00:00:01',
      '@@ -1,3 +1,3 @@',
      ' a',
      '-b',
      '+B',
      ' c',
      '@@ -8,3 +8,4 @@ section',
      ' h',
      ' i',
      '+i2',
      ' j',
      '',
    ].join('\n')
    assert.equal(
      apply(before, patch),
      ['a', 'B', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'i2', 'j', ''].join('\n'),
    )
  })

  test('a hunk whose context does not match exactly is rejected (no fuzz, no offset)', () => {
    const before = 'one\ntwo\nthree\n'
    assert.throws(
      () => apply(before, '--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n one\n-TWO\n+2\n'),
      code('E_VALIDATION'),
    )
    // Right text, wrong line number: refused instead of searched for.
    assert.throws(
      () => apply(before, '--- a/f.txt\n+++ b/f.txt\n@@ -2,1 +2,1 @@\n-three\n+3\n'),
      /line 2 is "two"/,
    )
    assert.throws(
      () => apply(before, '--- a/f.txt\n+++ b/f.txt\n@@ -3,2 +3,2 @@\n three\n-four\n+4\n'),
      /only 3 lines/,
    )
    // Hunks out of order or overlapping.
    assert.throws(
      () => apply(before, '--- a/f.txt\n+++ b/f.txt\n@@ -2 +2 @@\n-two\n+2\n@@ -1 +1 @@\n-one\n+1\n'),
      /overlap or are out of order/,
    )
  })

  test('new and deleted files via /dev/null', () => {
    const [created] = parsePatch('--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,2 @@\n+hello\n+world\n')
    assert.equal(created!.oldPath, null)
    assert.equal(created!.newPath, 'new.txt')
    assert.equal(applyHunks('new.txt', '', created!.hunks), 'hello\nworld\n')
    const [deleted] = parsePatch('--- a/old.txt\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-bye\n-now\n')
    assert.equal(deleted!.newPath, null)
    assert.equal(applyHunks('old.txt', 'bye\nnow\n', deleted!.hunks), '')
  })

  test("'No newline at end of file' on either side", () => {
    assert.equal(
      apply('a\nb', '--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n'),
      'a\nb\n',
    )
    assert.equal(
      apply(
        'a\nb\n',
        '--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n\\ No newline at end of file\n',
      ),
      'a\nc',
    )
    // The patch says the last line has a newline, the file has none: refused.
    assert.throws(() => apply('a\nb', '--- a/f.txt\n+++ b/f.txt\n@@ -2 +2 @@\n-b\n+c\n'), /newline/)
  })

  test('CRLF files keep CRLF, whether the patch carries the CRs or not', () => {
    const before = 'one\r\ntwo\r\nthree\r\n'
    assert.equal(
      apply(before, '--- a/f.txt\n+++ b/f.txt\n@@ -1,3 +1,4 @@\n one\n-two\n+2\n+2b\n three\n'),
      'one\r\n2\r\n2b\r\nthree\r\n',
    )
    assert.equal(
      apply(before, '--- a/f.txt\n+++ b/f.txt\n@@ -2 +2 @@\n-two\r\n+2\r\n'),
      'one\r\n2\r\nthree\r\n',
    )
    // A CR-aware patch must match the CRs exactly.
    assert.throws(
      () => apply('one\ntwo\n', '--- a/f.txt\n+++ b/f.txt\n@@ -2 +2 @@\n-two\r\n+2\r\n'),
      code('E_VALIDATION'),
    )
  })

  test('malformed and hostile patches are clear validation errors, never crashes', () => {
    const hostile = [
      '',
      '   ',
      'just prose',
      '+++ b/x\n',
      '@@ -1 +1 @@\n-a\n+b\n',
      '--- a/x\n',
      '--- a/x\n+++ b/x\n',
      '--- a/x\n+++ b/x\n@@ garbage @@\n',
      '--- a/x\n+++ b/x\n@@ -1,5 +1,5 @@\n a\n',
      '--- a/x\n+++ b/x\n@@ -1 +1 @@\n*weird\n',
      '--- a/x\n+++ b/y\n@@ -1 +1 @@\n-a\n+b\n',
      '--- /dev/null\n+++ /dev/null\n@@ -0,0 +1 @@\n+a\n',
      '--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-b\n+c\n',
      '--- a/x\n+++ b/x\n@@ -99999999999999999999 +1 @@\n-a\n+b\n',
      'rename from a\nrename to b\n',
      '--- "a/q x"\n+++ "b/q x"\n@@ -1 +1 @@\n-a\n+b\n',
      `--- a/x\n+++ b/x\n@@ -1 +1 @@\n\\ No newline\n-a\n+b\n`,
      '\u0000\u0001binary\u00ff',
    ]
    for (const patch of hostile)
      assert.throws(() => parsePatch(patch), code('E_VALIDATION'), JSON.stringify(patch).slice(0, 60))
    assert.throws(() => parsePatch(42 as never), code('E_VALIDATION'))
  })

  test('a huge patch parses in linear time', () => {
    const lines = Array.from({ length: 50_000 }, (_, n) => `line ${n}`)
    const before = `${lines.join('\n')}\n`
    const after = `${lines.map((line, n) => (n % 1000 === 0 ? `${line}!` : line)).join('\n')}\n`
    const started = performance.now()
    const patch = unifiedDiff('f.txt', before, after)
    assert.equal(apply(before, patch), after)
    assert.ok(performance.now() - started < 5000)
  })

  test('property: the diff of any two texts applies to the first and gives the second', () => {
    const line = fc.constantFrom(
      'a',
      'b',
      'c',
      '',
      ' x',
      'a\r',
      'é',
      '\\ not a marker',
      '--- a',
      '@@ -1 +1 @@',
    )
    const text = fc
      .array(line, { maxLength: 12 })
      .chain((lines) =>
        fc.boolean().map((newline) => (lines.length === 0 ? '' : lines.join('\n') + (newline ? '\n' : ''))),
      )
    fc.assert(
      fc.property(text, text, (before, after) => {
        const patch = unifiedDiff('f.txt', before, after)
        if (before === after) return patch === ''
        return apply(before, patch) === after
      }),
      { numRuns: 500 },
    )
  })

  test('the preview diff shows created and deleted files against /dev/null', () => {
    assert.equal(unifiedDiff('n.txt', null, 'x\n'), '--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1,1 @@\n+x\n')
    assert.equal(
      unifiedDiff('n.txt', 'x', null),
      '--- a/n.txt\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-x\n\\ No newline at end of file\n',
    )
    assert.match(unifiedDiff('b.bin', 'a\0b', 'c'), /^Binary files/)
  })
})
