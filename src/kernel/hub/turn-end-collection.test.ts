import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  createTurnEndCollector,
  DEFAULT_YOUNG_COLLECT_SHARE,
  type YoungGeneration,
} from './turn-end-collection.ts'

function fakeYoung(usedBytes: number, capacityBytes: number): YoungGeneration & { collections: number } {
  const young = {
    collections: 0,
    usage: () => ({ usedBytes, capacityBytes }),
    collect() {
      young.collections++
    },
  }
  return young
}

test('a turn end collects the young generation only when it is more than the share full', () => {
  const full = fakeYoung(1_100_000, 2_000_000)
  assert.equal(createTurnEndCollector({ young: full }).atTurnEnd(), true)
  assert.equal(full.collections, 1)
  const half = fakeYoung(1_000_000, 2_000_000)
  assert.equal(createTurnEndCollector({ young: half, share: DEFAULT_YOUNG_COLLECT_SHARE }).atTurnEnd(), false)
  assert.equal(half.collections, 0)
  const quarter = fakeYoung(600_000, 2_000_000)
  assert.equal(createTurnEndCollector({ young: quarter, share: 0.25 }).atTurnEnd(), true)
  assert.equal(createTurnEndCollector({ young: fakeYoung(0, 0) }).atTurnEnd(), false)
  // Without --expose-gc there is nothing to collect with.
  assert.equal(createTurnEndCollector({}).atTurnEnd(), false)
})

test('a share outside (0, 1] is refused', () => {
  for (const share of [0, -0.5, 1.5, Number.NaN])
    assert.throws(() => createTurnEndCollector({ share }), RangeError, String(share))
})

// The process's own young generation: collected under --expose-gc, absent without it.
const PROBE = `
import { createTurnEndCollector, processYoungGeneration } from ${JSON.stringify(fileURLToPath(new URL('./turn-end-collection.ts', import.meta.url)))}
const young = processYoungGeneration()
if (young === undefined) { console.log(JSON.stringify({ young: false })); process.exit(0) }
const kept = []
for (let index = 0; index < 20000; index++) kept.push({ index, text: 'x' + index })
kept.length = 0
const before = young.usage().usedBytes
const collected = createTurnEndCollector({ young, share: 0.01 }).atTurnEnd()
console.log(JSON.stringify({ young: true, collected, before, after: young.usage().usedBytes }))
`

function probe(flags: string[]): { young: boolean; collected?: boolean; before?: number; after?: number } {
  const child = spawnSync(
    process.execPath,
    [...flags, '--import', 'tsx', '--input-type=module', '-e', PROBE],
    {
      encoding: 'utf8',
    },
  )
  assert.equal(child.status, 0, child.stderr)
  return JSON.parse(child.stdout)
}

test('under --expose-gc the process young generation is emptied; without it nothing is offered', () => {
  const exposed = probe(['--expose-gc', '--max-semi-space-size=4'])
  assert.equal(exposed.young, true)
  assert.equal(exposed.collected, true)
  assert.ok(exposed.after! < exposed.before! / 2, `${exposed.before} -> ${exposed.after}`)
  assert.deepEqual(probe([]), { young: false })
})
