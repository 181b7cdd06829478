import assert from 'node:assert/strict'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { waitFor } from '../../../test/kit/wait-for.ts'
import { systemClock } from '../../bus/index.ts'
import type { FileChange } from './change-buffer.ts'
import { RootWatcher } from './fs-watcher.ts'

const quiet = { warn: () => undefined, info: () => undefined, error: () => undefined }

async function watchRoot(
  t: { after: (fn: () => Promise<void> | void) => void },
  prepare?: (root: string) => void,
  maxPendingPaths = 1000,
) {
  const temp = makeTempDir()
  const root = join(temp.path, 'projects')
  mkdirSync(root)
  prepare?.(root)
  const changes: FileChange[] = []
  const watcher = new RootWatcher({
    root,
    clock: systemClock,
    debounceMs: 100,
    maxPendingPaths,
    stormSummaryEveryMs: 5000,
    ignorePatterns: ['*.tmp'],
    excludedFolders: [join(root, 'hub-data')],
    rootCheckEveryMs: 100,
    logger: quiet,
    emit: (change) => changes.push(change),
  })
  t.after(async () => {
    await watcher.close()
    temp.remove()
  })
  await watcher.start()
  return { root, changes, watcher }
}

describe('filesystem watcher', () => {
  test('reports a written file relative to the root; ignores node_modules, .gitignore, manifest patterns and the data dir', async (t) => {
    const { root, changes } = await watchRoot(t, (root) => {
      writeFileSync(join(root, '.gitignore'), 'build/\nsecret.txt\n')
      mkdirSync(join(root, 'node_modules'))
      mkdirSync(join(root, 'build'))
      mkdirSync(join(root, 'hub-data'))
      mkdirSync(join(root, 'notes'))
    })
    writeFileSync(join(root, 'node_modules', 'dep.js'), 'x')
    writeFileSync(join(root, 'build', 'out.js'), 'x')
    writeFileSync(join(root, 'secret.txt'), 'x')
    writeFileSync(join(root, 'scratch.tmp'), 'x')
    writeFileSync(join(root, 'hub-data', 'events.sqlite'), 'x')
    const started = Date.now()
    writeFileSync(join(root, 'notes', 'plan.md'), '# plan')
    await waitFor(
      () => changes.some((change) => change.path === 'notes/plan.md'),
      'the change of notes/plan.md',
    )
    assert.ok(Date.now() - started < 2000)
    // Anything ignored would have been reported by now, in the same debounce.
    writeFileSync(join(root, 'last.md'), 'x')
    await waitFor(() => changes.some((change) => change.path === 'last.md'), 'the last change')
    assert.deepEqual(changes.map((change) => `${change.kind} ${change.path}`).sort(), [
      'create last.md',
      'create notes/plan.md',
    ])
  })

  test('a watched folder deleted and re-created is watched again', async (t) => {
    const { root, changes, watcher } = await watchRoot(t)
    rmSync(root, { recursive: true })
    await waitFor(() => !watcher.watching, 'the watcher to notice the folder is gone')
    mkdirSync(root)
    await waitFor(() => watcher.watching, 'the watcher to come back')
    writeFileSync(join(root, 'again.md'), 'x')
    await waitFor(() => changes.some((change) => change.path === 'again.md'), 'a change after re-creation')
  })

  test('a storm of real files (a checkout) gives one summary, not one event per file', async (t) => {
    const { root, changes } = await watchRoot(t, undefined, 200)
    const files = 3000
    for (let folder = 0; folder < 30; folder++) {
      const path = join(root, 'checkout', `package-${folder}`)
      mkdirSync(path, { recursive: true })
      for (let index = 0; index < files / 30; index++) writeFileSync(join(path, `file-${index}.ts`), 'x')
    }
    await waitFor(
      () => changes.reduce((sum, change) => sum + (change.summary?.count ?? 1), 0) >= files,
      'every file counted',
      20_000,
    )
    assert.ok(changes.length < 200, `${changes.length} events for ${files} files`)
    assert.ok(changes.some((change) => change.summary !== undefined && change.path === 'checkout'))
  })

  test('a folder deleted and re-created at once (between two checks) is still watched', async (t) => {
    const { root, changes } = await watchRoot(t)
    rmSync(root, { recursive: true })
    mkdirSync(root)
    // Keep writing until the watcher has noticed the new folder: no fixed wait.
    let round = 0
    await waitFor(
      () => {
        if (changes.some((change) => change.path.startsWith('fresh-'))) return true
        if (round++ % 25 === 0) writeFileSync(join(root, `fresh-${round}.md`), 'x')
        return false
      },
      'a change in the re-created folder',
      5000,
    )
  })
})
