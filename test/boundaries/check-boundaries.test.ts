import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { checkBoundaries, formatReport, isClean } from '../../scripts/boundaries/check-boundaries.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
}

function fixture(t: { after: (fn: () => void) => void }, files: Record<string, string>): string {
  const dir = makeTempDir('localhub-boundaries-')
  t.after(() => dir.remove())
  writeTree(dir.path, files)
  return dir.path
}

// A layered tree: kernel/hub uses kernel/server and bus through their index files, a transport
// builds on the bus, a factory above both picks the transport with a literal dynamic import.
const LAYERED: Record<string, string> = {
  'src/bus/index.ts': "export { createBus } from './bus.ts'\nexport type { Transport } from './types.ts'\n",
  'src/bus/bus.ts':
    "import type { Transport } from './types.ts'\nexport const createBus = (t: Transport) => t\n",
  'src/bus/types.ts': 'export interface Transport { name: string }\n',
  'src/transports/memory/index.ts':
    "import { createBus, type Transport } from '../../bus/index.ts'\nexport const memoryTransport = (): Transport => createBus({ name: 'memory' })\n",
  'src/bus-factory/index.ts':
    "export async function openBus() {\n  const { memoryTransport } = await import('../transports/memory/index.ts')\n  return memoryTransport()\n}\n",
  'src/kernel/server/index.ts': "export { createServer } from './create-server.ts'\n",
  'src/kernel/server/create-server.ts': 'export const createServer = () => 1\n',
  'src/kernel/hub/index.ts': "export { openHub } from './open-hub.ts'\n",
  'src/kernel/hub/open-hub.ts':
    "import { openBus } from '../../bus-factory/index.ts'\nimport { createServer } from '../server/index.ts'\n// import { nothing } from '../server/create-server.ts' is only a comment\nexport const openHub = () => [openBus, createServer]\n",
  'src/kernel/index.ts': "export { openHub } from './hub/index.ts'\n",
  'bin/run.js': "const { openHub } = await import('../src/kernel/index.ts')\nopenHub()\n",
}

test('a layered tree passes: no cycle, no deep import, every index export used', (t) => {
  const report = checkBoundaries(fixture(t, LAYERED))
  assert.deepEqual(report.cycles, [])
  assert.deepEqual(report.deepImports, [])
  assert.deepEqual(report.unusedExports, [])
  assert.ok(isClean(report))
  assert.match(formatReport(report), /0 import cycles/)
})

test('a static import cycle between folders is reported as a path with the imports that make it', (t) => {
  const root = fixture(t, {
    ...LAYERED,
    // the bus reaching back into a transport closes bus → transports/memory → bus
    'src/bus/pick.ts':
      "import { memoryTransport } from '../transports/memory/index.ts'\nexport const pick = memoryTransport\n",
  })
  const report = checkBoundaries(root)
  assert.deepEqual(
    report.cycles.map((cycle) => cycle.path),
    [['src/bus', 'src/transports/memory', 'src/bus']],
  )
  const back = report.cycles[0]!.steps.find((step) => step.from === 'src/bus')!
  assert.deepEqual(
    back.imports.map((site) => `${site.file}:${site.line}`),
    ['src/bus/pick.ts:1'],
  )
  assert.ok(!isClean(report))
  assert.match(formatReport(report), /src\/bus → src\/transports\/memory → src\/bus/)
})

test('a dynamic import() and an export … from close cycles too', (t) => {
  const root = fixture(t, {
    ...LAYERED,
    'src/bus/load.ts':
      "export async function load() {\n  return (await import('../bus-factory/index.ts')).openBus\n}\n",
    'src/alpha/index.ts': "export { beta } from '../beta/index.ts'\nexport const alpha = 1\n",
    'src/beta/index.ts': "export { alpha } from '../alpha/index.ts'\nexport const beta = 2\n",
  })
  const report = checkBoundaries(root)
  const paths = report.cycles.map((cycle) => cycle.path.join(' → '))
  assert.ok(
    paths.includes('src/bus → src/bus-factory → src/transports/memory → src/bus'),
    `dynamic cycle missing from ${paths.join('; ')}`,
  )
  assert.ok(
    paths.includes('src/alpha → src/beta → src/alpha'),
    `re-export cycle missing from ${paths.join('; ')}`,
  )
  const dynamicStep = report.cycles
    .flatMap((cycle) => cycle.steps)
    .find((step) => step.from === 'src/bus' && step.to === 'src/bus-factory')!
  assert.equal(dynamicStep.imports[0]!.kind, 'dynamic')
  assert.match(formatReport(report), /import\('\.\.\/bus-factory\/index\.ts'\)/)
})

test('kernel subfolders are folders: reaching past their index.ts is reported, a missing index named', (t) => {
  const root = fixture(t, {
    ...LAYERED,
    'src/kernel/hub/open-hub.ts':
      "import { openBus } from '../../bus-factory/index.ts'\nimport { createServer } from '../server/create-server.ts'\nexport const openHub = () => [openBus, createServer]\n",
    'src/kernel/chat/chat-service.ts': 'export const chat = 1\n',
    'src/kernel/pipeline/index.ts':
      "import { chat } from '../chat/chat-service.ts'\nexport const run = chat\n",
    'src/cli/index.ts': "import { run } from '../kernel/pipeline/index.ts'\nexport const main = run\n",
    'bin/cli.js': "import { main } from '../src/cli/index.ts'\nmain\n",
  })
  const report = checkBoundaries(root)
  assert.deepEqual(
    report.deepImports.map((site) => [site.file, site.line, site.context, site.hasIndex]),
    [
      ['src/kernel/hub/open-hub.ts', 2, 'src/kernel/server', true],
      ['src/kernel/pipeline/index.ts', 1, 'src/kernel/chat', false],
    ],
  )
  assert.match(formatReport(report), /src\/kernel\/chat\/index\.ts \(has no index\.ts yet: add one\)/)
})

test('an index export imported nowhere outside its folder is reported, with its line', (t) => {
  const root = fixture(t, {
    ...LAYERED,
    'src/bus/index.ts':
      "export { createBus } from './bus.ts'\nexport type { Transport } from './types.ts'\nexport const DEFAULT_UNUSED_MS = 5\nexport { forOwnTest, insideOnly } from './inside.ts'\n",
    // used by a sibling inside the folder only: still unused as a public export
    'src/bus/user.ts': "import { insideOnly } from './index.ts'\nexport const twice = insideOnly * 2\n",
    // the folder's own test may keep a name exported
    'src/bus/inside.ts': 'export const insideOnly = 1\nexport const forOwnTest = 2\n',
    'src/bus/inside.test.ts': "import { forOwnTest } from './index.ts'\nforOwnTest\n",
  })
  const report = checkBoundaries(root)
  assert.deepEqual(
    report.unusedExports.map((entry) => [entry.index, entry.name, entry.line]),
    [
      ['src/bus/index.ts', 'DEFAULT_UNUSED_MS', 3],
      ['src/bus/index.ts', 'insideOnly', 4],
    ],
  )
  assert.match(
    formatReport(report),
    /src\/bus\/index\.ts \(2\):\n {4}DEFAULT_UNUSED_MS \(line 3\), insideOnly \(line 4\)\n/,
  )
})

test('a test, script or web file outside the folder counts as a use; a namespace import uses every name', (t) => {
  const root = fixture(t, {
    ...LAYERED,
    'src/bus/index.ts':
      "export { createBus } from './bus.ts'\nexport type { Transport } from './types.ts'\nexport const forTests = 1\n",
    'test/bus.test.ts': "import { forTests } from '../src/bus/index.ts'\nforTests\n",
    'src/ledger/index.ts': 'export const a = 1\nexport const b = 2\n',
    'web/src/app.tsx': "import * as ledger from '../../src/ledger/index.ts'\nexport const x = ledger\n",
  })
  assert.deepEqual(checkBoundaries(root).unusedExports, [])
})

test('a test file beside the source is a leaf: its imports check the index rule but close no cycle', (t) => {
  const root = fixture(t, {
    ...LAYERED,
    // the bus's own test may open a bus through the factory above it
    'src/bus/bus.test.ts': "import { openBus } from '../bus-factory/index.ts'\nopenBus()\n",
    'src/transports/memory/memory.test.ts': "import { createBus } from '../../bus/bus.ts'\ncreateBus\n",
  })
  const report = checkBoundaries(root)
  assert.deepEqual(report.cycles, [])
  assert.deepEqual(
    report.deepImports.map((site) => site.file),
    ['src/transports/memory/memory.test.ts'],
  )
})

test("a skill's skillModule is loaded by the skill host by name, so it is never reported unused", (t) => {
  const root = fixture(t, {
    ...LAYERED,
    'src/skills/notes/index.ts':
      "export const skillModule = { name: 'notes' }\nexport const DEFAULT_NOTES_LIMIT = 3\n",
    'src/transports/memory/index.ts':
      "import { createBus, type Transport } from '../../bus/index.ts'\nexport const memoryTransport = (): Transport => createBus({ name: 'memory' })\nexport const skillModule = 1\n",
  })
  assert.deepEqual(
    checkBoundaries(root).unusedExports.map((entry) => `${entry.index}: ${entry.name}`),
    ['src/skills/notes/index.ts: DEFAULT_NOTES_LIMIT', 'src/transports/memory/index.ts: skillModule'],
  )
})
