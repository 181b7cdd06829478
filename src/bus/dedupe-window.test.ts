import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DedupeWindow } from './dedupe-window.ts'

test('DedupeWindow: exact expiry on hit, whole generations dropped, memory bounded by two windows', () => {
  const window = new DedupeWindow<number>(1000)
  window.remember('a', 1, 0)
  window.remember('b', 2, 900)
  assert.equal(window.get('a', 999), 1)
  assert.equal(window.get('a', 1000), undefined, 'forgotten exactly at its expiry')
  assert.equal(window.get('b', 1500), 2, 'a key in the previous generation is still found')
  window.remember('c', 3, 1500)
  assert.equal(window.get('b', 1899), 2)
  assert.equal(window.get('b', 1900), undefined)
  for (let n = 0; n < 100; n++) window.remember(`k${n}`, n, 2000 + n)
  assert.ok(window.size <= 102)
  window.get('x', 3050)
  assert.equal(window.size, 100, "'c' (older than a window) was dropped with its generation")
  assert.equal(window.get('k99', 3098), 99)
  assert.equal(window.get('k99', 3099), undefined)
  window.remember('late', 1, 10_000)
  assert.equal(window.size, 1, 'after two idle windows everything is dropped')
})

test('DedupeWindow with maxKeys keeps at most that many keys and forgets the oldest first', () => {
  const window = new DedupeWindow<number>(60_000, 100)
  for (let n = 0; n < 1000; n++) window.remember(`k${n}`, n, n)
  assert.ok(window.size <= 100, `kept ${window.size} keys`)
  assert.equal(window.get('k999', 1000), 999, 'the newest key is remembered')
  assert.equal(window.get('k950', 1000), 950, 'so are the newest half of the bound')
  assert.equal(window.get('k0', 1000), undefined, 'the oldest was forgotten inside its window')
  const unbounded = new DedupeWindow<number>(60_000)
  for (let n = 0; n < 1000; n++) unbounded.remember(`k${n}`, n, n)
  assert.equal(unbounded.get('k0', 1000), 0, 'without maxKeys only time forgets')
})
