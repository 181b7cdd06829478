import assert from 'node:assert/strict'
import { test } from 'node:test'
import { IgnoreScope, parseGitignore } from './index.ts'

function scope(text: string): IgnoreScope {
  return IgnoreScope.root().child('', parseGitignore(text))
}

test('plain names match at any depth; a slash anchors to the .gitignore directory', () => {
  const rules = scope('node_modules\n/build\ndocs/*.md\n')
  assert.equal(rules.ignores('node_modules', true), true)
  assert.equal(rules.ignores('src/node_modules', true), true)
  assert.equal(rules.ignores('build', true), true)
  assert.equal(rules.ignores('src/build', true), false)
  assert.equal(rules.ignores('docs/a.md', false), true)
  assert.equal(rules.ignores('src/docs/a.md', false), false)
  assert.equal(rules.ignores('docs/sub/a.md', false), false, '* does not cross /')
})

test('negation, dir-only patterns, comments, escapes and trailing spaces', () => {
  const rules = scope('# comment\n*.log\n!keep.log\nout/\n\\#hash\n\\!bang\nspaced   \nescaped\\ \n')
  assert.equal(rules.ignores('a.log', false), true)
  assert.equal(rules.ignores('dir/keep.log', false), false)
  assert.equal(rules.ignores('out', true), true)
  assert.equal(rules.ignores('out', false), false, 'dir-only does not match a file')
  assert.equal(rules.ignores('#hash', false), true)
  assert.equal(rules.ignores('!bang', false), true)
  assert.equal(rules.ignores('# comment', false), false)
  assert.equal(rules.ignores('spaced', false), true)
  assert.equal(rules.ignores('escaped ', false), true)
})

test('** in leading, trailing and middle positions; ? and character classes', () => {
  const rules = scope('**/tmp\nlogs/**\na/**/z\nfile?.txt\n[abc]x.bin\n[!0-9]y\n')
  assert.equal(rules.ignores('tmp', true), true)
  assert.equal(rules.ignores('x/y/tmp', true), true)
  assert.equal(rules.ignores('logs/one/two.txt', false), true)
  assert.equal(rules.ignores('logs', true), false)
  assert.equal(rules.ignores('a/z', false), true)
  assert.equal(rules.ignores('a/b/c/z', false), true)
  assert.equal(rules.ignores('file1.txt', false), true)
  assert.equal(rules.ignores('file12.txt', false), false)
  assert.equal(rules.ignores('bx.bin', false), true)
  assert.equal(rules.ignores('dx.bin', false), false)
  assert.equal(rules.ignores('ay', false), true)
  assert.equal(rules.ignores('5y', false), false)
})

test('a nested .gitignore applies below its directory and overrides its parent', () => {
  const root = scope('*.tmp\n')
  const nested = root.child('pkg', parseGitignore('!important.tmp\n/local\n'))
  assert.equal(nested.ignores('pkg/x.tmp', false), true)
  assert.equal(nested.ignores('pkg/important.tmp', false), false)
  assert.equal(root.ignores('important.tmp', false), true)
  assert.equal(nested.ignores('pkg/local', true), true)
  assert.equal(nested.ignores('pkg/sub/local', true), false, 'anchored to pkg/')
})

test('hostile patterns never throw or hang', () => {
  const nasty = [
    '[',
    '[]',
    '\\',
    '**/**/**/**/**/**/**/**/x',
    '*'.repeat(5000),
    '!',
    '/',
    '(((',
    '[z-a]',
    'a'.repeat(100_000),
  ]
  const rules = scope(nasty.join('\n'))
  const started = performance.now()
  assert.equal(typeof rules.ignores(`${'a/'.repeat(200)}b`, false), 'boolean')
  assert.ok(performance.now() - started < 1000)
})
