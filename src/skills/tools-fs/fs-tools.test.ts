import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { openLedger } from '../../ledger/index.ts'
import { commitFileChanges } from './commit-file-changes.ts'
import { code, sandbox } from './fs-test-kit.ts'
import { resolveFsToolsSettings } from './fs-tools-options.ts'
import { createFsTools, type Plan } from './index.ts'
import { planApplyPatch } from './plan-file-changes.ts'
import type { WriteOperation } from './plan-types.ts'

const sha = (text: string) => createHash('sha256').update(text).digest('hex')
const stalePreview = (error: unknown) =>
  (error as { code?: string; details?: { reason?: string } }).code === 'E_PERMISSION_REQUIRED' &&
  (error as { details: { reason: string } }).details.reason === 'stale-preview'

describe('write_file', () => {
  test('plan is a pure preview with diff and hashes; execute writes it', async (t) => {
    const box = sandbox(t)
    const path = box.write('workspace/notes.md', 'one\ntwo\n')
    const tools = createFsTools({
      roots: [box.root],
      clock: { now: () => Date.parse('2026-01-02T03:04:05Z') },
    })
    const plan = await tools.plan('write_file', { path: 'notes.md', content: 'one\n2\n' })
    assert.equal(readFileSync(path, 'utf8'), 'one\ntwo\n', 'planning changes nothing')
    assert.equal(plan.tier, 'write_local_confirm')
    assert.equal(plan.diff, '--- a/notes.md\n+++ b/notes.md\n@@ -1,2 +1,2 @@\n one\n-two\n+2\n')
    assert.equal(plan.beforeHash, sha('one\ntwo\n'))
    assert.equal(plan.afterHash, sha('one\n2\n'))
    assert.equal(plan.files[0]!.realPath, path)
    assert.equal(plan.createdAt, '2026-01-02T03:04:05.000Z')
    assert.match(plan.fingerprint, /^[0-9a-f]{64}$/)
    const result = await tools.execute(plan)
    assert.deepEqual(result.files, [{ path: 'notes.md', action: 'modify', afterHash: sha('one\n2\n') }])
    assert.equal(readFileSync(path, 'utf8'), 'one\n2\n')
    assert.deepEqual(readdirSync(box.root), ['notes.md'], 'no temp or backup files left')
  })

  test('creating a file in new folders; a new file has beforeHash null', async (t) => {
    const box = sandbox(t)
    const tools = createFsTools({ roots: [box.root] })
    const plan = await tools.plan('write_file', { path: 'a/b/new.txt', content: 'hi\n' })
    assert.equal(plan.beforeHash, null)
    assert.equal(plan.files[0]!.action, 'create')
    assert.match(plan.diff, /^--- \/dev\/null\n\+\+\+ b\/a\/b\/new.txt/)
    await tools.execute(plan)
    assert.equal(readFileSync(join(box.root, 'a/b/new.txt'), 'utf8'), 'hi\n')
  })

  test('atomic replace keeps the mode bits (including unusual ones)', async (t) => {
    const box = sandbox(t)
    const path = box.write('workspace/run.sh', '#!/bin/sh\n')
    chmodSync(path, 0o751)
    const inodeBefore = statSync(path).ino
    const tools = createFsTools({ roots: [box.root] })
    await tools.execute(await tools.plan('write_file', { path: 'run.sh', content: '#!/bin/sh\necho hi\n' }))
    assert.equal(statSync(path).mode & 0o7777, 0o751)
    assert.notEqual(statSync(path).ino, inodeBefore, 'replaced by rename, not rewritten in place')
  })

  test('two plans for the same file: executing the first makes the second stale (no lost update)', async (t) => {
    const box = sandbox(t)
    const path = box.write('workspace/shared.txt', 'base\n')
    const tools = createFsTools({ roots: [box.root] })
    const first = await tools.plan('write_file', { path: 'shared.txt', content: 'first\n' })
    const second = await tools.plan('write_file', { path: 'shared.txt', content: 'second\n' })
    await tools.execute(first)
    await assert.rejects(tools.execute(second), stalePreview)
    assert.equal(readFileSync(path, 'utf8'), 'first\n')
  })

  test('a change of content, mode or existence after the preview makes it stale and touches nothing', async (t) => {
    const box = sandbox(t)
    const path = box.write('workspace/f.txt', 'v1\n')
    const tools = createFsTools({ roots: [box.root] })
    const contentPlan = await tools.plan('write_file', { path: 'f.txt', content: 'mine\n' })
    writeFileSync(path, 'v2\n')
    await assert.rejects(tools.execute(contentPlan), stalePreview)
    const modePlan = await tools.plan('write_file', { path: 'f.txt', content: 'mine\n' })
    chmodSync(path, 0o600)
    await assert.rejects(tools.execute(modePlan), stalePreview)
    const createPlan = await tools.plan('write_file', { path: 'g.txt', content: 'mine\n' })
    writeFileSync(join(box.root, 'g.txt'), 'someone else\n')
    await assert.rejects(tools.execute(createPlan), stalePreview)
    assert.equal(readFileSync(path, 'utf8'), 'v2\n')
    assert.equal(readFileSync(join(box.root, 'g.txt'), 'utf8'), 'someone else\n')
  })

  test('a symlink swapped in between preview and confirm is caught; the outside file is untouched', async (t) => {
    const box = sandbox(t)
    box.write('workspace/dir/target.txt', 'inside\n')
    const tools = createFsTools({ roots: [box.root] })
    const plan = await tools.plan('write_file', { path: 'dir/target.txt', content: 'pwned\n' })
    // Swap the directory for a symlink to outside holding a same-named file.
    rmSync(join(box.root, 'dir'), { recursive: true })
    writeFileSync(join(box.outside, 'target.txt'), 'outside\n')
    symlinkSync(box.outside, join(box.root, 'dir'))
    await assert.rejects(tools.execute(plan), code('E_PERMISSION_REQUIRED'))
    assert.equal(readFileSync(join(box.outside, 'target.txt'), 'utf8'), 'outside\n')
    // Same for the final component.
    rmSync(join(box.root, 'dir'))
    box.write('workspace/file.txt', 'inside\n')
    const second = await tools.plan('write_file', { path: 'file.txt', content: 'pwned\n' })
    rmSync(join(box.root, 'file.txt'))
    symlinkSync(join(box.outside, 'target.txt'), join(box.root, 'file.txt'))
    await assert.rejects(tools.execute(second), code('E_PERMISSION_REQUIRED'))
    assert.equal(readFileSync(join(box.outside, 'target.txt'), 'utf8'), 'outside\n')
  })

  test('a plan altered after preview (other content, same fingerprint) is refused', async (t) => {
    const box = sandbox(t)
    box.write('workspace/f.txt', 'v1\n')
    const tools = createFsTools({ roots: [box.root] })
    const plan = await tools.plan('write_file', { path: 'f.txt', content: 'ok\n' })
    const forged: Plan = { ...plan, args: { path: 'f.txt', content: 'evil\n' } }
    await assert.rejects(tools.execute(forged), stalePreview)
    await assert.rejects(tools.execute({ nonsense: true } as never), code('E_VALIDATION'))
    await assert.rejects(tools.execute({ ...plan, tool: 'read_file' } as never), code('E_BAD_REQUEST'))
    assert.equal(readFileSync(join(box.root, 'f.txt'), 'utf8'), 'v1\n')
  })
})

describe('apply_patch', () => {
  const patch = [
    '--- a/a.txt',
    '+++ b/a.txt',
    '@@ -1,2 +1,2 @@',
    ' keep',
    '-old a',
    '+new a',
    '--- a/b.txt',
    '+++ b/b.txt',
    '@@ -1 +1 @@',
    '-old b',
    '+new b',
    '--- /dev/null',
    '+++ b/c/new.txt',
    '@@ -0,0 +1 @@',
    '+created',
    '--- a/gone.txt',
    '+++ /dev/null',
    '@@ -1 +0,0 @@',
    '-bye',
    '',
  ].join('\n')

  function setup(t: { after: (fn: () => void) => void }) {
    const box = sandbox(t)
    box.write('workspace/a.txt', 'keep\nold a\n')
    box.write('workspace/b.txt', 'old b\n')
    box.write('workspace/gone.txt', 'bye\n')
    return box
  }

  test('changes, creates and deletes several files together', async (t) => {
    const box = setup(t)
    const tools = createFsTools({ roots: [box.root] })
    const plan = await tools.plan('apply_patch', { patch })
    assert.deepEqual(
      plan.files.map((file) => [file.path, file.action]),
      [
        ['a.txt', 'modify'],
        ['b.txt', 'modify'],
        ['c/new.txt', 'create'],
        ['gone.txt', 'delete'],
      ],
    )
    await tools.execute(plan)
    assert.equal(readFileSync(join(box.root, 'a.txt'), 'utf8'), 'keep\nnew a\n')
    assert.equal(readFileSync(join(box.root, 'b.txt'), 'utf8'), 'new b\n')
    assert.equal(readFileSync(join(box.root, 'c/new.txt'), 'utf8'), 'created\n')
    assert.equal(existsSync(join(box.root, 'gone.txt')), false)
    assert.deepEqual(readdirSync(box.root).sort(), ['a.txt', 'b.txt', 'c'])
  })

  test('one hunk that does not apply rejects the whole patch', async (t) => {
    const box = setup(t)
    writeFileSync(join(box.root, 'b.txt'), 'something else\n')
    const tools = createFsTools({ roots: [box.root] })
    await assert.rejects(tools.plan('apply_patch', { patch }), code('E_VALIDATION'))
    assert.equal(readFileSync(join(box.root, 'a.txt'), 'utf8'), 'keep\nold a\n')
  })

  test('a failure in the middle of the commit rolls every file back (all or nothing)', async (t) => {
    const box = setup(t)
    const settings = resolveFsToolsSettings({ roots: [box.root] })
    const prepared = planApplyPatch(settings, { patch })
    assert.throws(
      () =>
        commitFileChanges(prepared.operations as WriteOperation[], {
          beforeSwap: (index) => {
            if (index === 3) throw new Error('disk on fire')
          },
        }),
      code('E_IO'),
    )
    assert.equal(readFileSync(join(box.root, 'a.txt'), 'utf8'), 'keep\nold a\n')
    assert.equal(readFileSync(join(box.root, 'b.txt'), 'utf8'), 'old b\n')
    assert.equal(readFileSync(join(box.root, 'gone.txt'), 'utf8'), 'bye\n')
    assert.equal(existsSync(join(box.root, 'c')), false, 'created folders are removed again')
    assert.deepEqual(readdirSync(box.root).sort(), ['a.txt', 'b.txt', 'gone.txt'], 'no temp or backup files')
  })

  test('a file changed after the preview makes the whole patch stale', async (t) => {
    const box = setup(t)
    const tools = createFsTools({ roots: [box.root] })
    const plan = await tools.plan('apply_patch', { patch })
    writeFileSync(join(box.root, 'gone.txt'), 'bye\nand more\n')
    await assert.rejects(tools.execute(plan), stalePreview)
    assert.equal(readFileSync(join(box.root, 'a.txt'), 'utf8'), 'keep\nold a\n')
  })
})

describe('delete_path and move_path', () => {
  test('delete previews the tree with hashes, needs recursive for folders, and deletes', async (t) => {
    const box = sandbox(t)
    box.write('workspace/old/a.txt', 'a\n')
    box.write('workspace/old/sub/b.txt', 'b\n')
    const tools = createFsTools({ roots: [box.root] })
    await assert.rejects(tools.plan('delete_path', { path: 'old' }), /recursive/)
    const plan = await tools.plan('delete_path', { path: 'old', recursive: true })
    assert.equal(plan.tier, 'destructive_two_step')
    assert.deepEqual(
      plan.tree?.listed.map((entry) => [entry.path, entry.type, entry.hash]),
      [
        ['old', 'directory', null],
        ['old/a.txt', 'file', sha('a\n')],
        ['old/sub', 'directory', null],
        ['old/sub/b.txt', 'file', sha('b\n')],
      ],
    )
    await tools.execute(plan)
    assert.equal(existsSync(join(box.root, 'old')), false)
  })

  test('a file added inside the folder after the preview: nothing is deleted', async (t) => {
    const box = sandbox(t)
    box.write('workspace/old/a.txt', 'a\n')
    const tools = createFsTools({ roots: [box.root] })
    const plan = await tools.plan('delete_path', { path: 'old', recursive: true })
    box.write('workspace/old/new-work.txt', 'precious\n')
    await assert.rejects(tools.execute(plan), stalePreview)
    assert.equal(readFileSync(join(box.root, 'old/new-work.txt'), 'utf8'), 'precious\n')
    assert.deepEqual(readdirSync(box.root), ['old'])
  })

  test('trees beyond the preview limit are refused', async (t) => {
    const box = sandbox(t)
    for (let n = 0; n < 12; n++) box.write(`workspace/big/${n}.txt`, 'x')
    const tools = createFsTools({ roots: [box.root], maxTreeEntries: 10 })
    await assert.rejects(
      tools.plan('delete_path', { path: 'big', recursive: true }),
      code('E_RESOURCE_LIMIT'),
    )
  })

  test('move renames files and folders, never overwrites, and goes stale on change', async (t) => {
    const box = sandbox(t)
    box.write('workspace/a.txt', 'a\n')
    box.write('workspace/dir/x.txt', 'x\n')
    box.write('workspace/taken.txt', 'taken\n')
    const tools = createFsTools({ roots: [box.root] })
    await tools.execute(await tools.plan('move_path', { from: 'a.txt', to: 'b.txt' }))
    assert.equal(readFileSync(join(box.root, 'b.txt'), 'utf8'), 'a\n')
    await tools.execute(await tools.plan('move_path', { from: 'dir', to: 'renamed' }))
    assert.equal(readFileSync(join(box.root, 'renamed/x.txt'), 'utf8'), 'x\n')
    await assert.rejects(tools.plan('move_path', { from: 'b.txt', to: 'taken.txt' }), /never overwrites/)
    await assert.rejects(tools.plan('move_path', { from: 'renamed', to: 'renamed/inside' }), /into itself/)
    const plan = await tools.plan('move_path', { from: 'b.txt', to: 'c.txt' })
    writeFileSync(join(box.root, 'c.txt'), 'raced\n')
    await assert.rejects(tools.execute(plan), stalePreview)
    assert.equal(readFileSync(join(box.root, 'c.txt'), 'utf8'), 'raced\n')
    assert.equal(readFileSync(join(box.root, 'b.txt'), 'utf8'), 'a\n')
  })
})

describe('registry, tiers and the ledger', () => {
  test('descriptors are OpenAI-style tool definitions; run and plan refuse the wrong kind', async (t) => {
    const box = sandbox(t)
    const tools = createFsTools({ roots: [box.root] })
    assert.deepEqual(
      tools.descriptors().map((d) => [d.name, d.tier]),
      [
        ['read_file', 'read_only'],
        ['list_dir', 'read_only'],
        ['search_in_files', 'read_only'],
        ['write_file', 'write_local_confirm'],
        ['apply_patch', 'write_local_confirm'],
        ['delete_path', 'destructive_two_step'],
        ['move_path', 'destructive_two_step'],
      ],
    )
    const [first] = tools.openAiTools()
    assert.equal(first!.type, 'function')
    assert.equal((first!.function.parameters as { type: string }).type, 'object')
    await assert.rejects(tools.run('write_file', { path: 'x', content: '' }), code('E_BAD_REQUEST'))
    await assert.rejects(tools.plan('read_file', { path: 'x' }), code('E_BAD_REQUEST'))
    await assert.rejects(tools.run('rm_rf', {}), code('E_BAD_REQUEST'))
    await assert.rejects(tools.run('__proto__', {}), code('E_BAD_REQUEST'))
    await assert.rejects(
      tools.run('read_file', JSON.parse('{"path":"x","__proto__":{"a":1}}')),
      code('E_VALIDATION'),
    )
  })

  test('network tools are refused and hidden unless the manifest enables the network', async (t) => {
    const box = sandbox(t)
    const fetchTool = {
      kind: 'read' as const,
      descriptor: {
        name: 'fetch_url',
        tier: 'network_off_by_default' as const,
        description: 'fetch a URL',
        parameters: {
          type: 'object',
          additionalProperties: false,
          required: ['url'],
          properties: { url: { type: 'string' } },
        },
      },
      run: (args: Record<string, unknown>) => `fetched ${String(args.url)}`,
    }
    const offline = createFsTools({ roots: [box.root] })
    offline.register(fetchTool)
    assert.equal(
      offline.descriptors().some((d) => d.name === 'fetch_url'),
      false,
    )
    await assert.rejects(
      offline.run('fetch_url', { url: 'http://x' }),
      (error: { code: string; details: { reason: string } }) => {
        return error.code === 'E_PERMISSION_REQUIRED' && error.details.reason === 'network-off'
      },
    )
    const online = createFsTools({ roots: [box.root], network: true })
    online.register(fetchTool)
    assert.equal(await online.run('fetch_url', { url: 'http://x' }), 'fetched http://x')
    assert.throws(() => online.register(fetchTool), code('E_BAD_REQUEST'))
  })

  test('every mutating attempt is ledgered: attempt, success, failure (stale) and denial', async (t) => {
    const box = sandbox(t)
    box.write('workspace/f.txt', 'v1\n')
    const ledger = openLedger({ dataDir: join(box.base, 'data') })
    t.after(() => ledger.close())
    const tools = createFsTools({ roots: [box.root], audit: ledger })
    const context = {
      traceId: 'trace-7',
      approvalId: 'ap-1',
      decision: 'approved' as const,
      decidedBy: 'user:ada',
    }
    const plan = await tools.plan('write_file', { path: 'f.txt', content: 'v2\n' })
    const stalePlan = await tools.plan('write_file', { path: 'f.txt', content: 'v3\n' })
    await tools.execute(plan, context)
    await assert.rejects(tools.execute(stalePlan, context), stalePreview)
    const denied = await tools.plan('delete_path', { path: 'f.txt' })
    tools.recordDenial(denied, { traceId: 'trace-8', decision: 'denied', decidedBy: 'user:ada' })
    const entries = ledger.show()
    assert.deepEqual(
      entries.map((entry) => [
        entry.traceId,
        entry.action,
        entry.outcome,
        entry.decision,
        entry.errorCode ?? null,
      ]),
      [
        ['trace-7', 'write_file', 'attempted', 'approved', null],
        ['trace-7', 'write_file', 'succeeded', 'approved', null],
        ['trace-7', 'write_file', 'attempted', 'approved', null],
        ['trace-7', 'write_file', 'failed', 'approved', 'E_PERMISSION_REQUIRED'],
        ['trace-8', 'delete_path', 'denied', 'denied', 'E_PERMISSION_REQUIRED'],
      ],
    )
    assert.equal(entries[1]!.beforeHash, sha('v1\n'))
    assert.equal(entries[1]!.afterHash, sha('v2\n'))
    assert.deepEqual(entries[1]!.targets, [join(box.root, 'f.txt')])
    assert.equal(entries[4]!.tier, 'destructive_two_step')
    assert.equal(ledger.verify().ok, true)
  })

  test('when the ledger cannot record the attempt, nothing is executed', async (t) => {
    const box = sandbox(t)
    box.write('workspace/f.txt', 'v1\n')
    const tools = createFsTools({
      roots: [box.root],
      audit: {
        append: () => {
          throw new Error('ledger unavailable')
        },
      },
    })
    await assert.rejects(
      tools.execute(await tools.plan('write_file', { path: 'f.txt', content: 'v2\n' })),
      /ledger unavailable/,
    )
    assert.equal(readFileSync(join(box.root, 'f.txt'), 'utf8'), 'v1\n')
  })

  test('options and oversized inputs are checked', async (t) => {
    const box = sandbox(t)
    assert.throws(() => createFsTools({ roots: [] }), code('E_BAD_REQUEST'))
    assert.throws(() => createFsTools({ roots: [join(box.base, 'missing')] }), code('E_BAD_REQUEST'))
    assert.throws(() => createFsTools({ roots: [box.root], maxReadBytes: 0 }), code('E_BAD_REQUEST'))
    const tools = createFsTools({ roots: [box.root], maxWriteBytes: 10, maxReadBytes: 4 })
    await assert.rejects(
      tools.plan('write_file', { path: 'x', content: 'x'.repeat(11) }),
      code('E_RESOURCE_LIMIT'),
    )
    box.write('workspace/r.txt', 'héllo wörld')
    const read = (await tools.run('read_file', { path: 'r.txt' })) as { content: string; truncated: boolean }
    assert.equal(read.content, 'hél', 'cut at a character boundary')
    assert.equal(read.truncated, true)
  })
})
