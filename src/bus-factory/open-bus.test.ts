import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { testRegistry } from '../../test/kit/test-registry.ts'
import { memoryTransport } from '../transports/memory/index.ts'
import { openBus } from './index.ts'

test('sqlite with a data directory keeps its log in <dataDir>/events.sqlite', async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const bus = await openBus({ transport: 'sqlite', dataDir: dir.path, registry: testRegistry() })
  t.after(() => bus.close())
  await bus.publishUntyped({ type: 'note.added', payload: { n: 1 } })
  assert.ok(existsSync(join(dir.path, 'events.sqlite')))
})

test('a transport it cannot place or name is refused with E_BAD_REQUEST', async () => {
  await assert.rejects(openBus({ transport: 'sqlite', registry: testRegistry() }), {
    code: 'E_BAD_REQUEST',
    message: /needs path or dataDir/,
  })
  await assert.rejects(openBus({ transport: 'kafka' as 'memory', registry: testRegistry() }), {
    code: 'E_BAD_REQUEST',
    message: /unknown transport "kafka"; use memory, sqlite or nats/,
  })
})

test('a factory is used as given, and the bus runs on it', async (t) => {
  const names: string[] = []
  const bus = await openBus({
    registry: testRegistry(),
    transport: async (context) => {
      const transport = await memoryTransport({})(context)
      names.push(transport.name)
      return transport
    },
  })
  t.after(() => bus.close())
  await bus.publishUntyped({ type: 'note.added', payload: { n: 1 } })
  assert.deepEqual(names, ['memory'])
})
