import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadRegistry } from '../catalog/index.ts'
import { createContracts } from '../contracts/index.ts'
import { ledgerEntryEvent, openLedger } from './index.ts'
import { draft, tempDataDir } from './ledger-test-kit.ts'

test('ledgerEntryEvent builds a ledger.entry envelope the catalog accepts', (t) => {
  const { dir, keep } = tempDataDir(t)
  const ledger = keep(openLedger({ dataDir: dir }))
  const entry = ledger.append(
    draft(0, { decision: 'approved', decidedBy: 'user:ada', tier: 'write_local_confirm' }),
  )
  const event = ledgerEntryEvent(entry, 'kernel.ledger')
  assert.equal(event.type, 'ledger.entry')
  assert.equal(event.traceId, entry.traceId)
  const issues = createContracts(loadRegistry()).validatePayload('ledger.entry', 1, event.payload)
  assert.deepEqual(issues, [])
})
