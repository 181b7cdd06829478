import assert from 'node:assert/strict'
import { symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { code, sandbox } from './fs-test-kit.ts'
import { createFsTools, type SearchResult } from './index.ts'

describe('search_in_files', () => {
  test('respects nested .gitignore files, skips .git, binaries and symlinks', async (t) => {
    const box = sandbox(t)
    box.write('workspace/.gitignore', '*.log\nbuild/\n')
    box.write('workspace/src/app.ts', 'const needle = 1\nother\n')
    box.write('workspace/src/app.log', 'needle in a log\n')
    box.write('workspace/build/out.js', 'needle built\n')
    box.write('workspace/pkg/.gitignore', '!keep.log\nsecret.txt\n')
    box.write('workspace/pkg/keep.log', 'needle kept\n')
    box.write('workspace/pkg/secret.txt', 'needle secret\n')
    box.write('workspace/.git/config', 'needle git\n')
    box.write('workspace/image.bin', Buffer.from([0x6e, 0x65, 0x65, 0x64, 0x6c, 0x65, 0, 1, 2]))
    box.write('outside/far.txt', 'needle far away\n')
    symlinkSync(box.outside, join(box.root, 'out-link'))
    const tools = createFsTools({ roots: [box.root] })
    const result = (await tools.run('search_in_files', { query: 'needle' })) as SearchResult
    assert.deepEqual(
      result.matches.map((match) => [match.path, match.line, match.column, match.text]),
      [
        ['pkg/keep.log', 1, 1, 'needle kept'],
        ['src/app.ts', 1, 7, 'const needle = 1'],
      ],
    )
    assert.equal(result.skipped.binary, 1)
    assert.equal(result.truncated, false)
    // Searching below a directory still honours the .gitignore files above it.
    const below = (await tools.run('search_in_files', { query: 'needle', path: 'src' })) as SearchResult
    assert.deepEqual(
      below.matches.map((match) => match.path),
      ['src/app.ts'],
    )
  })

  test('line and column numbers, one result per line, CRLF and UTF-8', async (t) => {
    const box = sandbox(t)
    box.write('workspace/a.txt', 'x\r\nnaïve needle needle\r\n\r\nneedle\r\n')
    const tools = createFsTools({ roots: [box.root] })
    const result = (await tools.run('search_in_files', { query: 'needle' })) as SearchResult
    assert.deepEqual(
      result.matches.map((match) => [match.line, match.column, match.text]),
      [
        [2, 7, 'naïve needle needle'],
        [4, 1, 'needle'],
      ],
    )
    const insensitive = (await tools.run('search_in_files', {
      query: 'NAÏVE',
      caseSensitive: false,
    })) as SearchResult
    assert.equal(insensitive.matches.length, 0, 'case folding is ASCII-only on bytes (documented)')
    const ascii = (await tools.run('search_in_files', {
      query: 'NEEDLE',
      caseSensitive: false,
    })) as SearchResult
    assert.equal(ascii.matches.length, 2)
  })

  test('bounded results: max matches, max output bytes, max files, each flagged', async (t) => {
    const box = sandbox(t)
    for (let n = 0; n < 30; n++)
      box.write(`workspace/f${String(n).padStart(2, '0')}.txt`, `hit ${n}\n`.repeat(5))
    const tools = createFsTools({ roots: [box.root], maxSearchFiles: 10, maxSearchOutputBytes: 2000 })
    const byMatches = (await tools.run('search_in_files', { query: 'hit', maxMatches: 7 })) as SearchResult
    assert.equal(byMatches.matches.length, 7)
    assert.equal(byMatches.truncatedBy, 'matches')
    const byFiles = (await tools.run('search_in_files', { query: 'hit' })) as SearchResult
    assert.equal(byFiles.filesScanned, 10)
    assert.equal(byFiles.truncatedBy, 'files')
    const wide = createFsTools({ roots: [box.root], maxSearchOutputBytes: 500 })
    const byBytes = (await wide.run('search_in_files', { query: 'hit' })) as SearchResult
    assert.equal(byBytes.truncatedBy, 'bytes')
    assert.ok(byBytes.matches.length < 30)
    assert.equal(byBytes.truncated, true)
  })

  test('the time budget stops the walk and says so', async (t) => {
    const box = sandbox(t)
    for (let n = 0; n < 5; n++) box.write(`workspace/f${n}.txt`, 'hit\n')
    let now = 0
    const clock = { now: () => (now += 1000) }
    const tools = createFsTools({ roots: [box.root], clock, searchTimeBudgetMs: 2500 })
    const result = (await tools.run('search_in_files', { query: 'hit' })) as SearchResult
    assert.equal(result.truncatedBy, 'time')
    assert.ok(result.filesScanned < 5)
  })

  test('regexes run in linear time; backreferences and lookaround are refused', async (t) => {
    const box = sandbox(t)
    box.write('workspace/evil.txt', `${'a'.repeat(100_000)}!\nfoo123 bar\n`)
    const tools = createFsTools({ roots: [box.root] })
    const started = performance.now()
    const catastrophic = (await tools.run('search_in_files', {
      query: '(a+)+$',
      regex: true,
    })) as SearchResult
    assert.ok(performance.now() - started < 3000, 'no catastrophic backtracking')
    assert.equal(catastrophic.matches.length, 0)
    const found = (await tools.run('search_in_files', {
      query: '^foo\\d+ (bar|baz)$',
      regex: true,
    })) as SearchResult
    assert.deepEqual(
      found.matches.map((match) => [match.line, match.text]),
      [[2, 'foo123 bar']],
    )
    for (const query of ['(a)\\1', '(?=a)', '(?<!a)b', '(unclosed']) {
      await assert.rejects(tools.run('search_in_files', { query, regex: true }), code('E_VALIDATION'), query)
    }
  })

  test('hostile arguments are validation errors', async (t) => {
    const box = sandbox(t)
    const tools = createFsTools({ roots: [box.root] })
    for (const args of [
      {},
      { query: '' },
      { query: 1 },
      { query: 'x', maxMatches: 0 },
      { query: 'x', extra: 1 },
      { query: 'x'.repeat(1001) },
      null,
      'x',
    ]) {
      await assert.rejects(tools.run('search_in_files', args), code('E_VALIDATION'), JSON.stringify(args))
    }
    await assert.rejects(
      tools.run('search_in_files', { query: 'x', path: 'missing' }),
      /does not exist|ENOENT|not/,
    )
  })
})
