// What the parts of the approval service share: settings, the ledger and event ports (with their
// failure policy), waiters for decisions and the per-path execution lock.
import { randomUUID } from 'node:crypto'
import { type AnyDraft, HubError } from '../contracts/index.ts'
import type { ApprovalSettings } from './approval-options.ts'
import type { ApprovalLedgerDraft, ApprovalView } from './approval-types.ts'
import { KeyedLock } from './keyed-lock.ts'

export interface ServiceCore {
  readonly settings: Readonly<ApprovalSettings>
  readonly lock: KeyedLock
  now(): number
  newId(prefix: 'ap' | 'gr'): string
  /** Appends to the audit ledger; a failure is E_IO and stops the caller (nothing runs unaudited). */
  audit(draft: ApprovalLedgerDraft): Promise<string>
  /** Publishes events in order; a failing bus is reported, never a reason to lose a decision. */
  publish(drafts: readonly AnyDraft[]): Promise<void>
  addWaiter(id: string, waiter: (view: ApprovalView) => boolean): () => void
  notify(view: ApprovalView): void
}

export function createServiceCore(settings: Readonly<ApprovalSettings>): ServiceCore {
  const waiters = new Map<string, Set<(view: ApprovalView) => boolean>>()
  return {
    settings,
    lock: new KeyedLock(),
    now: () => settings.clock.now(),
    newId: (prefix) => `${prefix}_${randomUUID()}`,
    async audit(draft) {
      try {
        const entry = await settings.ledger.append(draft)
        if (typeof entry?.hash !== 'string') throw new Error('the ledger returned no hash')
        return entry.hash
      } catch (error) {
        throw new HubError('E_IO', `the audit ledger refused the entry: ${(error as Error)?.message}`, {
          cause: error,
        })
      }
    },
    async publish(drafts) {
      const publish = settings.publish
      if (publish === undefined) return
      for (const draft of drafts) {
        try {
          await publish(draft)
        } catch (error) {
          settings.onPublishError(error, draft)
        }
      }
    },
    addWaiter(id, waiter) {
      let set = waiters.get(id)
      if (set === undefined) {
        set = new Set()
        waiters.set(id, set)
      }
      set.add(waiter)
      return () => {
        set.delete(waiter)
        if (set.size === 0) waiters.delete(id)
      }
    },
    notify(view) {
      const set = waiters.get(view.id)
      if (set === undefined) return
      for (const waiter of [...set]) if (waiter(view)) set.delete(waiter)
      if (set.size === 0) waiters.delete(view.id)
    },
  }
}
