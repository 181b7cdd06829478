export { DEFAULT_CATALOG_DIR, DEFAULT_REGISTRY_PATH, entryFolder } from './catalog-paths.ts'
export type { CatalogEntrySource, LoadedCatalog } from './load-catalog.ts'
export { loadCatalog, readRegistry } from './load-catalog.ts'
export { loadRegistry } from './load-registry.ts'
