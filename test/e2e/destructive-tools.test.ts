// delete_path and move_path end to end through the hub's HTTP API: request → preview (absolute paths)
// → first approval (dry run, confirmation token) → second approval with the token → the file is gone
// or moved → ledger entries → `localhub ledger verify`. Before decision 1340 every such request failed
// with "invalid plan: bad preview paths" and no unit test noticed.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { DEFAULT_MANIFEST_PATH, openHub, type RunningHub } from '../../src/kernel/index.ts'
import { callHub } from '../kit/manifest-hub.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { waitForAsync } from '../kit/wait-for.ts'

const run = promisify(execFile)
const BIN = new URL('../../bin/localhub.js', import.meta.url).pathname
// Answers are arbitrary JSON read field by field.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = any

describe('destructive file tools through the hub', { timeout: 90_000 }, () => {
  const temp = makeTempDir('localhub-destructive-')
  const dataDir = join(temp.path, 'data')
  let workspace: string
  let hub: RunningHub

  async function call(method: string, path: string, body?: unknown) {
    return callHub<{ ok: boolean; data: Json; error: Json }>(hub, method, path, body)
  }

  /** The two-step flow up to the token, asserting what a person sees on the way. */
  async function requestAndDryRun(tool: string, params: Record<string, unknown>, traceId: string) {
    const asked = await call('POST', `/tools/${tool}`, { params, traceId })
    assert.equal(asked.status, 200, JSON.stringify(asked.body))
    assert.equal(asked.body.data.status, 'pending')
    assert.equal(asked.body.data.confirmationsRequired, 2)
    const approvalId = asked.body.data.approvalId as string
    const shown = await call('GET', `/approvals/${approvalId}`)
    const preview = shown.body.data.approval.preview
    assert.equal(preview.kind, 'paths')
    const first = await call('POST', `/approvals/${approvalId}/approve`, { reason: 'dry run first' })
    assert.equal(first.status, 200, JSON.stringify(first.body))
    assert.equal(first.body.data.status, 'awaiting_confirmation')
    assert.match(first.body.data.confirmationToken, /^[A-Za-z0-9_-]{20,}$/)
    return {
      approvalId,
      paths: preview.paths as string[],
      token: first.body.data.confirmationToken as string,
    }
  }

  async function ledgerOf(traceId: string): Promise<Json[]> {
    const ledger = await call('GET', `/ledger?traceId=${traceId}`)
    assert.equal(ledger.status, 200)
    return ledger.body.data
  }

  before(async () => {
    mkdirSync(join(temp.path, 'workspace', 'old', 'drafts'), { recursive: true })
    workspace = realpathSync(join(temp.path, 'workspace'))
    writeFileSync(join(workspace, 'notes.md'), 'delete me\n')
    writeFileSync(join(workspace, 'old', 'a.md'), 'a\n')
    writeFileSync(join(workspace, 'old', 'drafts', 'b.md'), 'b\n')
    mkdirSync(join(workspace, 'archive'))
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

  test('delete_path: preview, dry run, confirmation — then the file is gone and ledgered', async () => {
    const target = join(workspace, 'notes.md')
    const { approvalId, paths, token } = await requestAndDryRun(
      'delete_path',
      { path: 'notes.md' },
      'trace-delete-1',
    )
    assert.deepEqual(paths, [target])
    assert.ok(existsSync(target), 'the dry run deletes nothing')
    const wrong = await call('POST', `/approvals/${approvalId}/approve`, {
      confirmationToken: 'x'.repeat(43),
    })
    assert.equal(wrong.status, 403)
    assert.ok(existsSync(target), 'a wrong token deletes nothing')
    const confirmed = await call('POST', `/approvals/${approvalId}/approve`, { confirmationToken: token })
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body))
    assert.equal(confirmed.body.data.status, 'approved')
    assert.equal(existsSync(target), false)
    const view = await call('GET', `/approvals/${approvalId}`)
    assert.equal(view.body.data.approval.execution.state, 'succeeded')
    const entries = await ledgerOf('trace-delete-1')
    assert.deepEqual(
      entries.map((entry) => [entry.action, entry.tier, entry.decision, entry.outcome]),
      [
        ['delete_path', 'destructive_two_step', undefined, undefined],
        ['delete_path', 'destructive_two_step', 'approved', 'attempted'],
        ['delete_path', 'destructive_two_step', 'approved', 'succeeded'],
      ],
    )
    assert.ok(entries.every((entry) => entry.targets.includes(target)))
    // The manifest lists delete_path under fs_delete: the request, approval and ledger say so.
    assert.ok(entries.every((entry) => entry.actorSkill === 'skill.action.opencode.fs_delete'))
    assert.equal(view.body.data.approval.actorSkill, 'skill.action.opencode.fs_delete')
    for await (const event of hub.bus.replay({ filter: 'tool.request' }))
      if (event.traceId === 'trace-delete-1') assert.equal(event.source, 'skill.action.opencode.fs_delete')
  })

  test('move_path of a folder: the preview lists the tree, the confirmation moves it', async () => {
    const from = join(workspace, 'old')
    const to = join(workspace, 'archive', 'old')
    const { approvalId, paths, token } = await requestAndDryRun(
      'move_path',
      { from: 'old', to: 'archive/old' },
      'trace-move-1',
    )
    assert.deepEqual(paths, [
      from,
      join(from, 'a.md'),
      join(from, 'drafts'),
      join(from, 'drafts', 'b.md'),
      to,
    ])
    assert.ok(existsSync(from) && !existsSync(to), 'the dry run moves nothing')
    const confirmed = await call('POST', `/approvals/${approvalId}/approve`, { confirmationToken: token })
    assert.equal(confirmed.body.data.status, 'approved', JSON.stringify(confirmed.body))
    assert.equal(existsSync(from), false)
    assert.equal(readFileSync(join(to, 'drafts', 'b.md'), 'utf8'), 'b\n')
    const entries = await ledgerOf('trace-move-1')
    assert.deepEqual(
      entries.map((entry) => entry.outcome ?? 'requested'),
      ['requested', 'attempted', 'succeeded'],
    )
    assert.deepEqual(entries.at(-1).targets, [from, to])
    // The pending request's tool.result follows the decision (tool-service.ts), not the approve
    // answer: on NATS its publish can still be on the wire when the answer arrives.
    const closingResult = async () => {
      const results = []
      for await (const event of hub.bus.replay({ filter: 'tool.result' }))
        if (event.traceId === 'trace-move-1') results.push(event)
      return results.at(-1)
    }
    await waitForAsync(async () => (await closingResult()) !== undefined, 'the tool.result of trace-move-1')
    assert.equal(
      (await closingResult())?.payload.ok,
      true,
      'the pending request is closed by a successful tool.result',
    )
  })

  test('the ledger verifies over HTTP and with the CLI once the hub is stopped', async () => {
    const verified = await call('GET', '/ledger/verify')
    assert.equal(verified.body.data.ok, true, JSON.stringify(verified.body.data))
    await hub.close()
    const cli = await run(process.execPath, [BIN, 'ledger', 'verify', '--data', dataDir]).catch(
      (error) => error,
    )
    assert.equal(cli.code ?? 0, 0, `${cli.stdout}${cli.stderr}`)
  })
})
