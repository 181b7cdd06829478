// Actions with consent through the real hub: file tools over HTTP, approvals, denial, the audit
// ledger (with ledger.entry events) and tamper detection by `localhub ledger verify`.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { DEFAULT_MANIFEST_PATH, openHub, type RunningHub } from '../../src/kernel/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

const run = promisify(execFile)
const BIN = new URL('../../bin/localhub.js', import.meta.url).pathname
// The answers are arbitrary JSON read field by field; a type per route would only restate the asserts.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = any

const sha = (text: string) => createHash('sha256').update(text).digest('hex')

describe('actions with consent through the hub', { timeout: 90_000 }, () => {
  const temp = makeTempDir('localhub-actions-')
  const workspace = join(temp.path, 'workspace')
  const dataDir = join(temp.path, 'data')
  let hub: RunningHub

  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(`${hub.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${hub.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return {
      status: response.status,
      body: (await response.json()) as { ok: boolean; data: Json; error: Json },
    }
  }

  before(async () => {
    mkdirSync(join(workspace, 'docs'), { recursive: true })
    mkdirSync(join(temp.path, 'outside'))
    writeFileSync(join(workspace, 'docs', 'plan.md'), 'first line\n')
    writeFileSync(join(temp.path, 'outside', 'secret.txt'), 'secret\n')
    symlinkSync(join(temp.path, 'outside'), join(workspace, 'link-out'))
    const manifest = readFileSync(DEFAULT_MANIFEST_PATH, 'utf8').replace(
      /path: "~\/projects"/,
      `path: ${JSON.stringify(workspace)}`,
    )
    writeFileSync(join(temp.path, 'manifest.yaml'), manifest)
    hub = await openHub({ dataDir, manifestPath: join(temp.path, 'manifest.yaml'), port: 0, logger: false })
  })
  after(async () => {
    await hub?.close()
    temp.remove()
  })

  test('read tools answer at once; paths out of the workspace are refused', async () => {
    const read = await call('POST', '/tools/read_file', { params: { path: 'docs/plan.md' } })
    assert.equal(read.status, 200, JSON.stringify(read.body))
    assert.equal(read.body.data.status, 'done')
    assert.match(JSON.stringify(read.body.data.data), /first line/)
    for (const path of [
      '../outside/secret.txt',
      join(temp.path, 'outside', 'secret.txt'),
      'link-out/secret.txt',
      'docs/\u0000x',
    ]) {
      const refused = await call('POST', '/tools/read_file', { params: { path } })
      assert.equal(refused.body.ok, false, path)
      assert.ok(
        ['E_PERMISSION_REQUIRED', 'E_VALIDATION', 'E_BAD_REQUEST'].includes(refused.body.error.code),
        `${path}: ${refused.body.error.code}`,
      )
    }
  })

  test('a write waits for approval, shows its diff, and once approved is written and ledgered', async () => {
    const asked = await call('POST', '/tools/write_file', {
      params: { path: 'docs/plan.md', content: 'first line\nsecond line\n' },
      traceId: 'trace-write-1',
    })
    assert.equal(asked.body.data.status, 'pending', JSON.stringify(asked.body))
    assert.equal(
      readFileSync(join(workspace, 'docs', 'plan.md'), 'utf8'),
      'first line\n',
      'nothing written before approval',
    )
    const pending = await call('GET', '/approvals')
    const approval = pending.body.data.approvals.find(
      (item: { id: string }) => item.id === asked.body.data.approvalId,
    )
    assert.match(approval.preview.diff, /\+second line/)
    const approved = await call('POST', `/approvals/${approval.id}/approve`, { reason: 'looks right' })
    assert.equal(approved.body.ok, true, JSON.stringify(approved.body))
    assert.equal(readFileSync(join(workspace, 'docs', 'plan.md'), 'utf8'), 'first line\nsecond line\n')
    const ledger = await call('GET', '/ledger?traceId=trace-write-1')
    const done = ledger.body.data.find((entry: { outcome?: string }) => entry.outcome === 'succeeded')
    assert.ok(done, JSON.stringify(ledger.body.data))
    assert.equal(done.beforeHash, sha('first line\n'))
    assert.equal(done.afterHash, sha('first line\nsecond line\n'))
    assert.equal(done.decision, 'approved')
    const events = []
    for await (const event of hub.bus.replay({ filter: 'ledger.entry' }))
      if (event.traceId === 'trace-write-1') events.push(event)
    assert.ok(events.length >= 2, 'every ledger entry is also a ledger.entry event')
    const results = []
    for await (const event of hub.bus.replay({ filter: 'tool.result' }))
      if (event.traceId === 'trace-write-1') results.push(event)
    assert.equal(results.at(-1)?.payload.ok, true)
  })

  test('a denied write leaves the file untouched and is ledgered as denied', async () => {
    const asked = await call('POST', '/tools/write_file', {
      params: { path: 'docs/plan.md', content: 'overwritten\n' },
      traceId: 'trace-write-2',
    })
    const denied = await call('POST', `/approvals/${asked.body.data.approvalId}/deny`, { reason: 'no' })
    assert.equal(denied.body.data.approval.status, 'denied')
    assert.equal(readFileSync(join(workspace, 'docs', 'plan.md'), 'utf8'), 'first line\nsecond line\n')
    const ledger = await call('GET', '/ledger?traceId=trace-write-2')
    assert.ok(ledger.body.data.some((entry: { decision?: string }) => entry.decision === 'denied'))
    const again = await call('POST', `/approvals/${asked.body.data.approvalId}/approve`, {})
    assert.equal(again.body.ok, false, 'a denial is final')
  })

  test('two approvals for one file: the second is stale and never overwrites the first', async () => {
    const first = await call('POST', '/tools/write_file', {
      params: { path: 'docs/plan.md', content: 'version A\n' },
    })
    const second = await call('POST', '/tools/write_file', {
      params: { path: 'docs/plan.md', content: 'version B\n' },
    })
    assert.equal((await call('POST', `/approvals/${first.body.data.approvalId}/approve`, {})).body.ok, true)
    const stale = await call('POST', `/approvals/${second.body.data.approvalId}/approve`, {})
    const view = await call('GET', `/approvals/${second.body.data.approvalId}`)
    assert.equal(
      readFileSync(join(workspace, 'docs', 'plan.md'), 'utf8'),
      'version A\n',
      JSON.stringify([stale.body, view.body.data.approval.execution]),
    )
  })

  test('ledger verify passes, then detects an edited entry', async () => {
    const verified = await call('GET', '/ledger/verify')
    assert.equal(verified.body.data.ok, true, JSON.stringify(verified.body.data))
    await hub.close()
    const clean = await run(process.execPath, [BIN, 'ledger', 'verify', '--data', dataDir]).catch(
      (error) => error,
    )
    assert.equal(clean.code ?? 0, 0, clean.stderr)
    // An attacker with the file drops the append-only triggers and rewrites what was done.
    const db = new Database(join(dataDir, 'ledger.sqlite'))
    db.exec('drop trigger ledger_entries_no_update')
    const changed = db
      .prepare(
        "update ledger_entries set body = replace(body, 'write_file', 'read_file') where idx = (select min(idx) from ledger_entries where body like '%write_file%')",
      )
      .run()
    assert.equal(changed.changes, 1)
    db.close()
    const broken = await run(process.execPath, [BIN, 'ledger', 'verify', '--data', dataDir]).catch(
      (error) => error,
    )
    assert.equal(broken.code, 1, `${broken.stdout}${broken.stderr}`)
  })
})
