import assert from 'node:assert/strict'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { after, describe, test } from 'node:test'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import {
  type ActionPlan,
  type ApprovalService,
  createApprovalService,
  createApprovalsHttpApi,
  openApprovalStore,
} from '../../approvals/index.ts'
import { openLedgerReader } from '../../ledger/index.ts'
import type { CommandIo } from '../io.ts'
import { run as approvals } from './approvals.ts'
import { run as grants } from './grants.ts'

const temp = makeTempDir('localhub-cli-approvals-')
after(() => temp.remove())

type Cli = (
  args: string[],
  env?: NodeJS.ProcessEnv,
) => Promise<{ code: number; stdout: string; stderr: string }>

function cliFor(group: typeof approvals): Cli {
  return async (args, env = {}) => {
    const stdout = new PassThrough()
    const stderr = new PassThrough()
    const chunks = { stdout: '', stderr: '' }
    stdout.on('data', (data) => (chunks.stdout += data))
    stderr.on('data', (data) => (chunks.stderr += data))
    const io: CommandIo = { stdin: new PassThrough(), stdout, stderr, env, cwd: temp.path }
    const code = await group(args, io)
    return { code, ...chunks }
  }
}
const approvalsCli = cliFor(approvals)
const grantsCli = cliFor(grants)

function writePlan(path: string): ActionPlan {
  return {
    tool: 'fs.write_file',
    tier: 'write_local_confirm',
    targets: [path],
    preview: { kind: 'diff', diff: `+hello ${path}\n` },
    fingerprint: 'v0',
  }
}
function deletePlan(path: string): ActionPlan {
  return {
    tool: 'fs.delete',
    tier: 'destructive_two_step',
    targets: [path],
    preview: { kind: 'paths', paths: [path] },
    fingerprint: 'v0',
  }
}
const CONTEXT = { traceId: 'trace-cli', sessionId: 's1', actorSkill: 'skill.tools-fs' }

/** A service on <data>/approvals.sqlite with an in-memory ledger, as a hub would have left it. */
function seedService(
  dataDir: string,
  execute?: (plan: ActionPlan) => unknown,
): { service: ApprovalService; close: () => void } {
  mkdirSync(dataDir, { recursive: true })
  const store = openApprovalStore({ path: join(dataDir, 'approvals.sqlite') })
  let count = 0
  const service = createApprovalService({
    store,
    ledger: { append: () => ({ hash: String(count++).padStart(64, '0') }) },
    ...(execute === undefined ? {} : { execute }),
    rootDir: '/workspace',
  })
  return {
    service,
    close: () => {
      service.close()
      store.close()
    },
  }
}

describe('directly on <data>/approvals.sqlite (no hub running)', () => {
  const data = join(temp.path, 'direct')

  test('an empty data folder lists nothing and creates nothing', async () => {
    const listed = await approvalsCli(['list', '--data', 'nowhere'])
    assert.equal(listed.code, 0)
    assert.match(listed.stderr, /no open approvals/)
    assert.equal((await grantsCli(['list', '--data', 'nowhere'])).code, 0)
    assert.equal(existsSync(join(temp.path, 'nowhere')), false)
    const approve = await approvalsCli(['approve', 'ap_x', '--data', 'nowhere'])
    assert.deepEqual([approve.code, /no approval with id/.test(approve.stderr)], [1, true])
  })

  test('list, show, approve and deny; decisions are ledgered in <data>/ledger.sqlite', async () => {
    const seeded = seedService(data)
    const write = await seeded.service.request(writePlan('/workspace/a.md'), CONTEXT)
    const other = await seeded.service.request(writePlan('/workspace/b.md'), CONTEXT)
    const { grant } = await seeded.service.createGrant({ scope: { pathPrefix: 'docs' }, by: 'alice' })
    seeded.close()

    const listed = await approvalsCli(['list', '--data', data])
    assert.equal(listed.code, 0, listed.stderr)
    assert.equal(listed.stdout.trim().split('\n').length, 2)
    assert.match(
      listed.stdout,
      new RegExp(`${write.approvalId}  pending  write_local_confirm  fs.write_file  /workspace/a.md`),
    )
    const shown = await approvalsCli(['show', write.approvalId, '--data', data])
    assert.match(shown.stdout, /\+hello \/workspace\/a\.md/)

    const approved = await approvalsCli([
      'approve',
      write.approvalId,
      '--reason',
      'fine',
      '--by',
      'alice',
      '--data',
      data,
    ])
    assert.equal(approved.code, 0, approved.stderr)
    assert.match(approved.stdout, /approved .* \(it runs when the hub next starts\)/)
    const again = await approvalsCli(['approve', write.approvalId, '--data', data])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /E_BAD_REQUEST: approval .* is already approved \(by user:alice/)

    const denied = await approvalsCli([
      'deny',
      other.approvalId,
      '--reason',
      'x'.repeat(10_000),
      '--data',
      data,
      '--json',
    ])
    assert.equal(denied.code, 0, denied.stderr)
    assert.equal((JSON.parse(denied.stdout) as { approval: { reason: string } }).approval.reason.length, 500)
    assert.match((await approvalsCli(['list', '--data', data])).stderr, /no open approvals/)
    assert.equal(
      (await approvalsCli(['list', '--all', '--data', data, '--json'])).stdout.match(/"id"/g)?.length,
      2,
    )

    const grantList = await grantsCli(['list', '--data', data])
    assert.match(
      grantList.stdout,
      new RegExp(`${grant.id}  active  \\(any tool\\)  /workspace/docs/\\*\\*  all sessions`),
    )
    const revoked = await grantsCli(['revoke', grant.id, '--reason', 'done', '--data', data])
    assert.equal(revoked.code, 0, revoked.stderr)
    const recordHash = /ledger record ([0-9a-f]{64})/.exec(revoked.stdout)?.[1]
    assert.ok(recordHash)
    assert.equal((await grantsCli(['revoke', grant.id, '--data', data])).code, 1)
    assert.match((await grantsCli(['list', '--all', '--data', data])).stdout, /revoked by user:owner/)

    const reader = openLedgerReader({ dataDir: data })
    try {
      const entries = reader.show({ limit: 100 })
      assert.deepEqual(
        entries.map((entry) => [entry.action, entry.decision ?? null, entry.approvalId ?? null]),
        [
          ['fs.write_file', 'approved', write.approvalId],
          ['fs.write_file', 'denied', other.approvalId],
          ['grant.revoke', null, null],
        ],
      )
      assert.equal(entries.at(-1)!.hash, recordHash)
      assert.equal(reader.verify().ok, true)
    } finally {
      reader.close()
    }
  })

  test('a destructive approval prints a dry run and a token, then runs only with --confirm', async () => {
    const seeded = seedService(data)
    const requested = await seeded.service.request(deletePlan('/workspace/old'), CONTEXT)
    seeded.close()
    const first = await approvalsCli(['approve', requested.approvalId, '--data', data])
    assert.equal(first.code, 0, first.stderr)
    assert.match(first.stdout, /nothing has changed yet; \S+ would touch\n {2}\/workspace\/old/)
    const token = /--confirm ([A-Za-z0-9_-]{43})/.exec(first.stdout)?.[1]
    assert.ok(token)
    const wrong = await approvalsCli(['approve', requested.approvalId, '--confirm', 'nope', '--data', data])
    assert.deepEqual([wrong.code, /E_PERMISSION_REQUIRED/.test(wrong.stderr)], [1, true])
    const confirmed = await approvalsCli([
      'approve',
      requested.approvalId,
      '--confirm',
      token,
      '--data',
      data,
    ])
    assert.equal(confirmed.code, 0, confirmed.stderr)
    assert.match(confirmed.stdout, /approved/)
    assert.equal(
      (await approvalsCli(['approve', requested.approvalId, '--confirm', token, '--data', data])).code,
      1,
    )
  })

  test('usage errors exit 2', async () => {
    for (const args of [
      [],
      ['nope'],
      ['approve'],
      ['approve', 'a', 'b'],
      ['list', 'x'],
      ['list', '--bogus'],
    ]) {
      const result = await approvalsCli(args)
      assert.equal(result.code, 2, args.join(' '))
      assert.match(result.stderr, /usage: localhub approvals/)
    }
    for (const args of [[], ['revoke'], ['grant'], ['list', '--reason']]) {
      assert.equal((await grantsCli(args)).code, 2, args.join(' '))
    }
    assert.equal((await approvalsCli(['--help'])).code, 0)
    assert.equal((await grantsCli(['--help'])).code, 0)
  })
})

describe('against the running hub', () => {
  test('the CLI uses server.json and the token, and the hub runs the approved action', async (t) => {
    const data = join(temp.path, 'served')
    const executed: ActionPlan[] = []
    const seeded = seedService(data, (plan) => void executed.push(plan))
    t.after(() => seeded.close())
    const api = createApprovalsHttpApi(seeded.service)
    const token = 'a-test-token-of-enough-length-1234'
    const seenPrincipals: string[] = []
    const server = createServer(async (request, response) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1')
      if (url.pathname === '/health') return response.end('{"ok":true}')
      if (request.headers.authorization !== `Bearer ${token}`) {
        response.statusCode = 401
        return response.end('{"ok":false,"error":{"code":"E_PERMISSION_REQUIRED","message":"token"}}')
      }
      let text = ''
      for await (const chunk of request) text += chunk
      seenPrincipals.push('user:server-owner')
      const reply = await api.handle({
        method: request.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: text === '' ? undefined : JSON.parse(text),
        principal: 'user:server-owner',
      })
      response.statusCode = reply?.statusCode ?? 404
      response.end(
        JSON.stringify(reply?.body ?? { ok: false, error: { code: 'E_BAD_REQUEST', message: 'no route' } }),
      )
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    writeFileSync(
      join(data, 'server.json'),
      JSON.stringify({ url, pid: process.pid, startedAt: new Date().toISOString(), version: 'test' }),
    )
    writeFileSync(join(data, 'auth-token'), `${token}\n`, { mode: 0o600 })

    const requested = await seeded.service.request(writePlan('/workspace/served.md'), CONTEXT)
    const { grant } = await seeded.service.createGrant({ scope: { pathPrefix: 'docs' }, by: 'alice' })
    const listed = await approvalsCli(['list', '--data', data])
    assert.equal(listed.code, 0, listed.stderr)
    assert.match(listed.stdout, new RegExp(requested.approvalId))
    const approved = await approvalsCli(['approve', requested.approvalId, '--by', 'ignored', '--data', data])
    assert.equal(approved.code, 0, approved.stderr)
    assert.match(approved.stdout, /run: succeeded/)
    assert.equal(executed.length, 1, 'the hub ran it')
    assert.equal((await seeded.service.get(requested.approvalId)).decidedBy, 'user:server-owner')
    const unknown = await approvalsCli(['deny', 'ap_nope', '--data', data])
    assert.deepEqual([unknown.code, /E_BAD_REQUEST: no approval with id/.test(unknown.stderr)], [1, true])

    assert.match((await grantsCli(['list', '--data', data])).stdout, new RegExp(grant.id))
    assert.equal((await grantsCli(['revoke', grant.id, '--data', data])).code, 0)
    assert.deepEqual(seeded.service.listGrants(), [])

    const badToken = await approvalsCli(['list', '--data', data], {
      LOCALHUB_TOKEN: 'wrong-token-wrong-token',
    })
    assert.deepEqual([badToken.code, /E_PERMISSION_REQUIRED/.test(badToken.stderr)], [1, true])
  })
})
