import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { linkSync, mkdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { code, sandbox } from './fs-test-kit.ts'
import { createFsTools } from './index.ts'

describe('every way out of the workspace is refused', () => {
  test('.. in any position, even when it would land inside', async (t) => {
    const box = sandbox(t)
    box.write('workspace/a/file.txt', 'x')
    const tools = createFsTools({ roots: [box.root] })
    for (const path of [
      '../outside/secret.txt',
      'a/../../outside/secret.txt',
      'a/../a/file.txt',
      '..',
      'a/..',
      `${box.root}/../outside/secret.txt`,
    ]) {
      await assert.rejects(tools.run('read_file', { path }), code('E_PERMISSION_REQUIRED'), path)
    }
    await assert.rejects(
      tools.plan('write_file', { path: '../outside/new.txt', content: 'x' }),
      code('E_PERMISSION_REQUIRED'),
    )
  })

  test('absolute paths outside the roots; absolute paths inside are fine', async (t) => {
    const box = sandbox(t)
    box.write('workspace/in.txt', 'inside\n')
    const tools = createFsTools({ roots: [box.root] })
    for (const path of [
      join(box.outside, 'secret.txt'),
      '/etc/passwd',
      '/',
      box.base,
      `${box.root}-evil/x`,
    ]) {
      await assert.rejects(tools.run('read_file', { path }), code('E_PERMISSION_REQUIRED'), path)
    }
    const read = (await tools.run('read_file', { path: join(box.root, 'in.txt') })) as {
      content: string
      path: string
    }
    assert.equal(read.content, 'inside\n')
    assert.equal(read.path, 'in.txt')
  })

  test('a symlink to outside, as the last component or in the middle, or dangling', async (t) => {
    const box = sandbox(t)
    symlinkSync(join(box.outside, 'secret.txt'), join(box.root, 'link.txt'))
    symlinkSync(box.outside, join(box.root, 'dirlink'))
    symlinkSync(join(box.outside, 'nothing-yet.txt'), join(box.root, 'dangling.txt'))
    mkdirSync(join(box.root, 'deep'))
    symlinkSync('../../outside', join(box.root, 'deep', 'relative-link'))
    const tools = createFsTools({ roots: [box.root] })
    for (const path of ['link.txt', 'dirlink/secret.txt', 'deep/relative-link/secret.txt', 'dirlink']) {
      await assert.rejects(tools.run('read_file', { path }), code('E_PERMISSION_REQUIRED'), path)
    }
    await assert.rejects(tools.run('list_dir', { path: 'dirlink' }), code('E_PERMISSION_REQUIRED'))
    await assert.rejects(
      tools.run('search_in_files', { query: 'secret', path: 'dirlink' }),
      code('E_PERMISSION_REQUIRED'),
    )
    // Writing through a dangling link would create the file outside.
    await assert.rejects(
      tools.plan('write_file', { path: 'dangling.txt', content: 'x' }),
      code('E_PERMISSION_REQUIRED'),
    )
    await assert.rejects(
      tools.plan('write_file', { path: 'dirlink/new.txt', content: 'x' }),
      code('E_PERMISSION_REQUIRED'),
    )
    await assert.rejects(tools.plan('delete_path', { path: 'link.txt' }), code('E_PERMISSION_REQUIRED'))
    await assert.rejects(
      tools.plan('move_path', { from: 'dirlink/secret.txt', to: 'stolen.txt' }),
      code('E_PERMISSION_REQUIRED'),
    )
  })

  test('a symlink inside the workspace (or into another root) is followed to its real path', async (t) => {
    const box = sandbox(t)
    box.write('workspace/real/data.txt', 'data\n')
    box.write('second/other.txt', 'other\n')
    symlinkSync(join(box.root, 'real'), join(box.root, 'alias'))
    symlinkSync(join(box.base, 'second'), join(box.root, 'to-second'))
    const tools = createFsTools({ roots: [box.root, join(box.base, 'second')] })
    const read = (await tools.run('read_file', { path: 'alias/data.txt' })) as { path: string }
    assert.equal(read.path, 'real/data.txt')
    const plan = await tools.plan('write_file', { path: 'to-second/other.txt', content: 'new\n' })
    assert.equal(plan.files[0]!.realPath, join(box.base, 'second', 'other.txt'))
  })

  test('hard links: reading or writing a file with another name is refused (the other name may be outside)', async (t) => {
    const box = sandbox(t)
    linkSync(join(box.outside, 'secret.txt'), join(box.root, 'hard.txt'))
    const tools = createFsTools({ roots: [box.root] })
    await assert.rejects(
      tools.run('read_file', { path: 'hard.txt' }),
      (error: { code: string; details: { reason: string } }) => {
        return error.code === 'E_PERMISSION_REQUIRED' && error.details.reason === 'hard-link'
      },
    )
    await assert.rejects(
      tools.plan('write_file', { path: 'hard.txt', content: 'x' }),
      code('E_PERMISSION_REQUIRED'),
    )
    await assert.rejects(
      tools.plan('apply_patch', { patch: '--- a/hard.txt\n+++ b/hard.txt\n@@ -1 +1 @@\n-top secret\n+x\n' }),
      code('E_PERMISSION_REQUIRED'),
    )
    const found = (await tools.run('search_in_files', { query: 'secret' })) as {
      matches: unknown[]
      skipped: { hardLinked: number }
    }
    assert.equal(found.matches.length, 0)
    assert.equal(found.skipped.hardLinked, 1)
  })

  test('NUL bytes, over-long paths and names, and wrong types are validation errors', async (t) => {
    const box = sandbox(t)
    const tools = createFsTools({ roots: [box.root] })
    for (const path of [
      'a\0b',
      'x'.repeat(256),
      `${'d/'.repeat(2100)}f`,
      '',
      42,
      null,
      ['a'],
      { toString: 'x' },
    ]) {
      await assert.rejects(
        tools.run('read_file', { path }),
        code('E_VALIDATION'),
        JSON.stringify(path)?.slice(0, 20),
      )
      await assert.rejects(tools.plan('write_file', { path, content: '' }), code('E_VALIDATION'))
    }
    // A name of exactly 255 bytes is fine (ENOENT-style answer, not a length error).
    await assert.rejects(tools.run('read_file', { path: 'x'.repeat(255) }), /does not exist/)
  })

  test('unicode normalisation and case tricks: new names must be NFC and not twin an existing name', async (t) => {
    const box = sandbox(t)
    const nfc = 'caf\u00e9.txt'
    const nfd = 'cafe\u0301.txt'
    box.write(`workspace/${nfc}`, 'nfc\n')
    box.write('workspace/Report.md', 'report\n')
    const tools = createFsTools({ roots: [box.root] })
    await assert.rejects(
      tools.plan('write_file', { path: nfd, content: 'x' }),
      (error: { details: { reason: string } }) => {
        return error.details.reason === 'unicode-normalisation'
      },
    )
    await assert.rejects(
      tools.plan('write_file', { path: 'REPORT.md', content: 'x' }),
      (error: { details: { reason: string } }) => {
        return error.details.reason === 'confusable-name'
      },
    )
    await assert.rejects(
      tools.plan('write_file', { path: 'caf\uff45\u0301.txt', content: 'x' }),
      code('E_PERMISSION_REQUIRED'),
    )
    // The exact existing spelling works, and reads never guess another spelling.
    const plan = await tools.plan('write_file', { path: nfc, content: 'new\n' })
    assert.equal(plan.files[0]!.action, 'modify')
    await assert.rejects(tools.run('read_file', { path: nfd }), code('E_PERMISSION_REQUIRED'))
  })

  test('FIFOs and device files are never read or written', async (t) => {
    const box = sandbox(t)
    execFileSync('mkfifo', [join(box.root, 'pipe')])
    symlinkSync('/dev/zero', join(box.root, 'zero'))
    const tools = createFsTools({ roots: [box.root, '/dev'] })
    await assert.rejects(tools.run('read_file', { path: 'pipe' }), code('E_PERMISSION_REQUIRED'))
    await assert.rejects(
      tools.plan('write_file', { path: 'pipe', content: 'x' }),
      code('E_PERMISSION_REQUIRED'),
    )
    await assert.rejects(tools.run('read_file', { path: 'zero' }), code('E_PERMISSION_REQUIRED'))
    await assert.rejects(tools.run('read_file', { path: '/dev/null' }), code('E_PERMISSION_REQUIRED'))
    const found = (await tools.run('search_in_files', { query: 'x' })) as { filesScanned: number }
    assert.equal(found.filesScanned, 0, 'the FIFO is skipped without hanging')
  })

  test('the workspace root itself cannot be deleted or moved', async (t) => {
    const box = sandbox(t)
    const tools = createFsTools({ roots: [box.root] })
    await assert.rejects(
      tools.plan('delete_path', { path: '.', recursive: true }),
      code('E_PERMISSION_REQUIRED'),
    )
    await assert.rejects(
      tools.plan('delete_path', { path: box.root, recursive: true }),
      code('E_PERMISSION_REQUIRED'),
    )
    await assert.rejects(tools.plan('move_path', { from: '.', to: 'x' }), code('E_PERMISSION_REQUIRED'))
  })
})
