import { realpathSync } from 'node:fs'
import { homedir } from 'node:os'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import type { BusClient, EventHandler } from '../../bus/index.ts'
import { HubError, toHubError } from '../../contracts/index.ts'
import type { WorkspaceRoot } from '../../manifest/index.ts'
import type { RagStore } from './rag-store.ts'

/** index.progress is published at most this often per request (plus once at the end), in milliseconds. */
export const DEFAULT_INDEX_PROGRESS_INTERVAL_MS = 250

function expandHome(path: string): string {
  return path === '~' ? homedir() : path.startsWith('~/') ? resolve(homedir(), path.slice(2)) : path
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return resolve(path)
  }
}

/** The workspace root containing `path` (after symlinks), or undefined. */
export function rootOf(path: string, roots: readonly WorkspaceRoot[]): WorkspaceRoot | undefined {
  const target = realOrResolved(expandHome(path))
  return roots.find((root) => {
    const base = realOrResolved(expandHome(root.path))
    const inside = relative(base, target)
    return inside === '' || (!inside.startsWith(`..${sep}`) && inside !== '..' && !isAbsolute(inside))
  })
}

/**
 * Serves index.request events: the paths must lie inside the manifest's workspace roots (an event
 * may come from any client of the bus, and indexing a file is reading it), progress goes out as
 * index.progress in the request's trace, a refusal or failure as error.raised.
 */
export function indexRequestHandler(
  bus: BusClient,
  rag: RagStore,
  roots: readonly WorkspaceRoot[],
): EventHandler {
  return async (event) => {
    const payload = event.payload as { paths: string[]; mode: 'incremental' | 'full' }
    const chain = {
      traceId: event.traceId,
      causationId: event.id,
      ...(event.sessionId === undefined ? {} : { sessionId: event.sessionId }),
    }
    try {
      const outside = payload.paths.filter((path) => rootOf(path, roots) === undefined)
      if (outside.length > 0) {
        throw new HubError(
          'E_PERMISSION_REQUIRED',
          `not inside a workspace root of the manifest: ${outside.slice(0, 5).join(', ')}`,
          {
            details: { roots: roots.map((root) => root.path) },
          },
        )
      }
      let last = 0
      let pending: Promise<unknown> = Promise.resolve()
      const summary = await rag.indexPaths({
        paths: payload.paths.map(expandHome),
        mode: payload.mode,
        onProgress: (progress) => {
          const now = Date.now()
          if (now - last < DEFAULT_INDEX_PROGRESS_INTERVAL_MS && progress.done < progress.total) return
          last = now
          pending = pending.then(() =>
            bus.publish({
              ...chain,
              type: 'index.progress',
              payload: { done: progress.done, total: progress.total },
            }),
          )
        },
      })
      await pending
      await bus.publish({
        ...chain,
        type: 'index.progress',
        payload: { done: summary.files, total: summary.files },
      })
    } catch (error) {
      const failure = toHubError(error)
      await bus.publish({
        ...chain,
        type: 'error.raised',
        severity: 'error',
        payload: { code: failure.code, message: failure.message, recoverable: true },
      })
    }
  }
}
