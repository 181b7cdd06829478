import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { sandbox } from './fs-test-kit.ts'
import { createFsTools } from './index.ts'

const readOnly = (error: unknown) =>
  (error as { code?: string }).code === 'E_PERMISSION_REQUIRED' &&
  (error as { details?: { reason?: string } }).details?.reason === 'read-only-root'

describe('workspace roots with access: read', () => {
  test('reads work; write, patch, delete and move under the root are refused at planning', async (t) => {
    const box = sandbox(t)
    const notes = box.write('workspace/notes.md', 'one\n')
    box.write('workspace/dir/inner.txt', 'x\n')
    const tools = createFsTools({ roots: [{ path: box.root, access: 'read' }] })
    const read = (await tools.run('read_file', { path: 'notes.md' })) as { content: string }
    assert.equal(read.content, 'one\n')
    await assert.rejects(tools.plan('write_file', { path: 'notes.md', content: 'two\n' }), readOnly)
    await assert.rejects(tools.plan('write_file', { path: 'new/file.txt', content: 'x' }), readOnly)
    await assert.rejects(
      tools.plan('apply_patch', { patch: '--- a/notes.md\n+++ b/notes.md\n@@ -1 +1 @@\n-one\n+two\n' }),
      readOnly,
    )
    await assert.rejects(tools.plan('delete_path', { path: 'notes.md' }), readOnly)
    await assert.rejects(tools.plan('move_path', { from: 'notes.md', to: 'moved.md' }), readOnly)
    assert.equal(readFileSync(notes, 'utf8'), 'one\n')
    assert.equal(existsSync(join(box.root, 'new')), false)
  })

  test('a read_write root next to a read root: moves from or into the read root are refused', async (t) => {
    const box = sandbox(t)
    const writable = join(box.base, 'writable')
    mkdirSync(writable)
    box.write('writable/draft.md', 'draft\n')
    box.write('workspace/ref.md', 'reference\n')
    const tools = createFsTools({
      roots: [
        { path: writable, access: 'read_write' },
        { path: box.root, access: 'read' },
      ],
    })
    const plan = await tools.plan('write_file', { path: 'draft.md', content: 'changed\n' })
    await tools.execute(plan)
    assert.equal(readFileSync(join(writable, 'draft.md'), 'utf8'), 'changed\n')
    await assert.rejects(
      tools.plan('move_path', { from: join(box.root, 'ref.md'), to: join(writable, 'ref.md') }),
      readOnly,
    )
    await assert.rejects(
      tools.plan('move_path', { from: join(writable, 'draft.md'), to: join(box.root, 'draft.md') }),
      readOnly,
    )
  })

  test('a symlink in a writable root that leads into a read root does not make it writable', async (t) => {
    const box = sandbox(t)
    const writable = join(box.base, 'writable')
    mkdirSync(writable)
    box.write('workspace/ref.md', 'reference\n')
    symlinkSync(box.root, join(writable, 'link'))
    const tools = createFsTools({ roots: [writable, { path: box.root, access: 'read' }] })
    await assert.rejects(tools.plan('write_file', { path: 'link/ref.md', content: 'x' }), readOnly)
  })

  test('an unknown access value is refused when the tools are created', (t) => {
    const box = sandbox(t)
    assert.throws(
      () => createFsTools({ roots: [{ path: box.root, access: 'write' as 'read' }] }),
      (error: { code?: string }) => error.code === 'E_BAD_REQUEST',
    )
  })
})

describe('offeredTools (the manifest tool policy)', () => {
  test('only offered tools are listed and served; the rest are refused by name', async (t) => {
    const box = sandbox(t)
    box.write('workspace/notes.md', 'one\n')
    const tools = createFsTools({ roots: [box.root], offeredTools: ['read_file', 'write_file'] })
    assert.deepEqual(
      tools.descriptors().map((tool) => tool.name),
      ['read_file', 'write_file'],
    )
    assert.deepEqual(
      tools.openAiTools().map((tool) => tool.function.name),
      ['read_file', 'write_file'],
    )
    const notOffered = (error: unknown) =>
      (error as { details?: { reason?: string } }).details?.reason === 'not-offered'
    await assert.rejects(tools.run('list_dir', { path: '.' }), notOffered)
    await assert.rejects(tools.plan('delete_path', { path: 'notes.md' }), notOffered)
    await tools.plan('write_file', { path: 'notes.md', content: 'two\n' })
  })

  test('a name that is no file tool is refused', (t) => {
    const box = sandbox(t)
    assert.throws(
      () => createFsTools({ roots: [box.root], offeredTools: ['format_disk'] }),
      (error: { code?: string }) => error.code === 'E_BAD_REQUEST',
    )
  })
})
