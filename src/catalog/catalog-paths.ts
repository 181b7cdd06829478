import { fileURLToPath } from 'node:url'

/** The catalog folder shipped with this package. */
export const DEFAULT_CATALOG_DIR = fileURLToPath(new URL('../../catalog/', import.meta.url))

/** The merged machine index generated from the catalog (`localhub registry gen`). */
export const DEFAULT_REGISTRY_PATH = fileURLToPath(
  new URL('../../catalog/dist/registry.json', import.meta.url),
)

/** events/<namespace>/<name>/v<major>/ for a type such as `control_room.approval.requested`. */
export function entryFolder(type: string, version: number): string {
  const dot = type.indexOf('.')
  return `events/${type.slice(0, dot)}/${type.slice(dot + 1)}/v${version}`
}
