// measureJson counts an object's leaves in its own loop (decision 1742): the sizes, depths and
// the point where a limit stops it must equal a plain recursive walk's, whatever the value.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type Measurement, measureJson } from './measure.ts'

function reference(value: unknown, maxBytes: number, maxDepth: number): Measurement {
  const state: Measurement = { bytes: 0, depth: 0 }
  const walk = (node: unknown, depth: number): void => {
    if (state.exceeded !== undefined) return
    if (depth > state.depth) state.depth = depth
    if (depth > maxDepth) {
      state.exceeded = 'depth'
      return
    }
    if (typeof node === 'string') state.bytes += node.length + 2
    else if (node === null || typeof node !== 'object') state.bytes += 8
    else if (Array.isArray(node)) {
      state.bytes += 2
      for (const item of node) {
        state.bytes += 1
        walk(item, depth + 1)
        if (state.exceeded !== undefined) return
      }
    } else {
      state.bytes += 2
      for (const key in node) {
        if (!Object.hasOwn(node, key)) continue
        state.bytes += key.length + 4
        walk((node as Record<string, unknown>)[key], depth + 1)
        if (state.exceeded !== undefined) return
      }
    }
    if (state.bytes > maxBytes) state.exceeded = 'bytes'
  }
  walk(value, 1)
  return state
}

function randomValue(depth: number, next: () => number): unknown {
  const pick = next()
  if (depth > 6 || pick < 0.45) {
    const leaf = Math.floor(next() * 5)
    return [
      () => 'x'.repeat(Math.floor(next() * 40)),
      () => next() * 1000,
      () => null,
      () => true,
      () => undefined,
    ][leaf]!()
  }
  const size = Math.floor(next() * 5)
  if (pick < 0.7) return Array.from({ length: size }, () => randomValue(depth + 1, next))
  return Object.fromEntries(Array.from({ length: size }, (_, i) => [`k${i}`, randomValue(depth + 1, next)]))
}

test('sizes, depths and stopping points equal the recursive walk', () => {
  let seed = 7
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed / 2 ** 31
  }
  for (let round = 0; round < 3000; round++) {
    const value = { payload: randomValue(0, next), id: 'x', n: 1 }
    for (const [maxBytes, maxDepth] of [
      [1e9, 64],
      [40, 64],
      [120, 3],
      [1e9, 2],
      [1e9, 1],
    ] as const)
      assert.deepEqual(measureJson(value, maxBytes, maxDepth), reference(value, maxBytes, maxDepth))
  }
})
