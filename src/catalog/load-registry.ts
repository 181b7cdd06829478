import { existsSync } from 'node:fs'
import type { RegistryDocument } from '../contracts/index.ts'
import { DEFAULT_CATALOG_DIR, DEFAULT_REGISTRY_PATH } from './catalog-paths.ts'
import { loadCatalog, readRegistry } from './load-catalog.ts'

/**
 * The registry the runtime uses: the generated catalog/dist/registry.json when present (one file,
 * no YAML), else the catalog folder itself (a fresh checkout before `npm run gen`).
 */
export function loadRegistry(path: string = DEFAULT_REGISTRY_PATH): RegistryDocument {
  if (existsSync(path)) return readRegistry(path)
  return loadCatalog(DEFAULT_CATALOG_DIR).document
}
