// Vite plugin: `import hints from 'virtual:ui-hints'` gives the catalog's per-type UI hints
// (channel, render, icon, stored), read from catalog/registry.yaml at build time. The page thus
// follows the catalog without a route for it and without a hand-copied table.
import { readFileSync } from 'node:fs'
import type { Plugin } from 'vite'
import { parse } from 'yaml'
import { hintsFromRegistry } from '../src/lib/ui-hints.ts'

const VIRTUAL_ID = 'virtual:ui-hints'
const RESOLVED_ID = `\0${VIRTUAL_ID}`

export function uiHintsPlugin(registryPath: string): Plugin {
  return {
    name: 'localhub-ui-hints',
    resolveId: (id) => (id === VIRTUAL_ID ? RESOLVED_ID : undefined),
    load(id) {
      if (id !== RESOLVED_ID) return undefined
      this.addWatchFile(registryPath)
      const hints = hintsFromRegistry(parse(readFileSync(registryPath, 'utf8'), { version: '1.2' }))
      if (Object.keys(hints).length === 0) this.error(`no UI hints found in ${registryPath}`)
      return `export default ${JSON.stringify(hints)}`
    },
  }
}
