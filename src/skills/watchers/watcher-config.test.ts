import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { filesystemSettings, resolveWatchPath, systemSettings } from './watcher-config.ts'

describe('watcher settings', () => {
  test('~ is the home folder, a relative path lives in the data directory, duplicates collapse', () => {
    assert.equal(resolveWatchPath('~/projects', '/data', '/home/ada'), '/home/ada/projects')
    assert.equal(resolveWatchPath('workspace', '/data', '/home/ada'), '/data/workspace')
    const settings = filesystemSettings(
      { watchPaths: ['workspace', '/data/workspace'] },
      '/data',
      '/home/ada',
    )
    assert.deepEqual(settings.roots, ['/data/workspace'])
    assert.equal(settings.debounceMs, 300)
  })

  test('each watcher refuses the other’s settings and bad values, naming the fix', () => {
    assert.throws(
      () => filesystemSettings({ watchPaths: ['a'], sampleEverySec: 5 }, '/data'),
      /no setting sampleEverySec/,
    )
    assert.throws(() => systemSettings({ watchPaths: ['a'] }, '/data'), /no setting watchPaths/)
    assert.throws(() => filesystemSettings({ watchPaths: [] }, '/data'), /at least one folder/)
    assert.throws(() => systemSettings({ thresholds: { gpu: 0.5 } }, '/data'), /no metric gpu/)
    assert.throws(() => systemSettings({ thresholds: { cpu: 90 } }, '/data'), /fraction/)
  })

  test('thresholds the manifest leaves out keep their defaults', () => {
    const settings = systemSettings({ sampleEverySec: 5, thresholds: { cpu: 0.8 } }, '/data')
    assert.deepEqual(settings.thresholds, { cpu: 0.8, ram: 0.9, disk: 0.95, vram: 0.9 })
    assert.equal(settings.sampleEveryMs, 5000)
  })
})
