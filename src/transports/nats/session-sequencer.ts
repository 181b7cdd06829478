import type { KV } from '@nats-io/kv'
import { HubError } from '../../contracts/index.ts'
import { kvKey } from './names.ts'

interface SessionState {
  value: number
  revision: number
  loaded: boolean
  busy: boolean
  waiting: ((result: number | Error) => void)[]
}

const MAX_CAS_ROUNDS = 50

/**
 * Hands out sessionSeq per session from a KV bucket with compare-and-set, so several processes
 * writing one hub never give two events of a session the same number. Callers waiting at once for
 * the same session share one CAS (a range is reserved), in the order they asked.
 */
export class SessionSequencer {
  private readonly sessions = new Map<string, SessionState>()

  constructor(private readonly kv: KV) {}

  next(sessionId: string): Promise<number> {
    let state = this.sessions.get(sessionId)
    if (state === undefined) {
      state = { value: 0, revision: 0, loaded: false, busy: false, waiting: [] }
      this.sessions.set(sessionId, state)
    }
    const current = state
    const result = new Promise<number>((resolve, reject) => {
      current.waiting.push((outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome)))
    })
    if (!current.busy) void this.run(sessionId, current)
    return result
  }

  private async load(key: string, state: SessionState): Promise<void> {
    const entry = await this.kv.get(key)
    if (entry === null || entry.operation !== 'PUT') {
      state.value = 0
      state.revision = 0
    } else {
      state.value = Number(entry.string()) || 0
      state.revision = entry.revision
    }
    state.loaded = true
  }

  private async run(sessionId: string, state: SessionState): Promise<void> {
    state.busy = true
    const key = kvKey(sessionId)
    while (state.waiting.length > 0) {
      const batch = state.waiting.splice(0)
      try {
        let rounds = 0
        for (;;) {
          if (!state.loaded) await this.load(key, state)
          const next = state.value + batch.length
          try {
            state.revision =
              state.revision === 0
                ? await this.kv.create(key, String(next))
                : await this.kv.update(key, String(next), state.revision)
            const first = state.value + 1
            state.value = next
            for (const [index, resolve] of batch.entries()) resolve(first + index)
            break
          } catch (error) {
            // Another writer moved the counter (or the bucket is briefly unavailable): reload, retry.
            state.loaded = false
            if (++rounds >= MAX_CAS_ROUNDS) throw error
          }
        }
      } catch (error) {
        const failure = new HubError(
          'E_DEPENDENCY_UNAVAILABLE',
          `session sequence for ${sessionId}: ${(error as Error).message}`,
          { cause: error },
        )
        for (const resolve of batch) resolve(failure)
      }
    }
    state.busy = false
    // Keep the map small: a settled session is reloaded from the bucket when it comes back.
    if (this.sessions.size > 10_000) this.sessions.delete(sessionId)
  }
}
