import { existsSync } from 'node:fs'
import { markCheckedSchemas, type RegistryDocument } from '../contracts/index.ts'
import { DEFAULT_CATALOG_DIR, DEFAULT_REGISTRY_PATH } from './catalog-paths.ts'
import { loadCatalog, readRegistry } from './load-catalog.ts'

/**
 * The registry the runtime uses: the generated catalog/dist/registry.json when present (one file,
 * no YAML), else the catalog folder itself (a fresh checkout before `npm run gen`).
 */
export function loadRegistry(path: string = DEFAULT_REGISTRY_PATH): RegistryDocument {
  if (!existsSync(path)) return loadCatalog(DEFAULT_CATALOG_DIR).document
  const registry = readRegistry(path)
  // The shipped registry's schemas passed `registry lint` (meta-schema included) before they were
  // generated into it; a registry from any other path is checked as it is compiled (decision 1776).
  if (path === DEFAULT_REGISTRY_PATH) markCheckedSchemas(registry)
  return registry
}
