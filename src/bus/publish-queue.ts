import type { PublishOutcome } from './bus-types.ts'

/** Publishes one batch of drafts for one principal at one clock reading. */
export type BatchPublisher = (
  drafts: readonly unknown[],
  principal: string | undefined,
  now: number,
  handOver: boolean,
) => Promise<PublishOutcome[]>

interface Pending {
  drafts: readonly unknown[]
  principal: string | undefined
  now: number
  handOver: boolean
  resolve(outcomes: PublishOutcome[]): void
  reject(error: unknown): void
}

/**
 * Publishes made in one turn of the event loop (many concurrent `publish` calls, say) go to the
 * transport as one batch instead of one append each: per-call promises, arrays and the append
 * round trip are paid once. Consecutive calls with the same principal and clock reading share a
 * batch; batches start in call order, so seq order is call order as before.
 */
export class PublishQueue {
  private pending: Pending[] = []

  constructor(
    private readonly publishBatch: BatchPublisher,
    /** Registers the work of one flush, so close() waits for what was queued before it. */
    private readonly track: (work: Promise<unknown>) => void,
  ) {}

  enqueue(
    drafts: readonly unknown[],
    principal: string | undefined,
    now: number,
    handOver = false,
  ): Promise<PublishOutcome[]> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) {
        let settle: () => void = () => {}
        this.track(
          new Promise<void>((done) => {
            settle = done
          }),
        )
        queueMicrotask(() => {
          this.flush().then(settle, settle)
        })
      }
      this.pending.push({ drafts, principal, now, handOver, resolve, reject })
    })
  }

  private flush(): Promise<unknown> {
    const pending = this.pending
    this.pending = []
    const runs: Promise<void>[] = []
    let start = 0
    while (start < pending.length) {
      const first = pending[start]!
      let end = start + 1
      while (
        end < pending.length &&
        pending[end]!.principal === first.principal &&
        pending[end]!.now === first.now &&
        pending[end]!.handOver === first.handOver
      )
        end++
      runs.push(this.run(pending.slice(start, end)))
      start = end
    }
    return Promise.allSettled(runs)
  }

  private async run(group: Pending[]): Promise<void> {
    const first = group[0]!
    const drafts = group.length === 1 ? first.drafts : group.flatMap((entry) => entry.drafts)
    try {
      const outcomes = await this.publishBatch(drafts, first.principal, first.now, first.handOver)
      if (group.length === 1) {
        first.resolve(outcomes)
        return
      }
      let offset = 0
      for (const entry of group) {
        entry.resolve(outcomes.slice(offset, offset + entry.drafts.length))
        offset += entry.drafts.length
      }
    } catch (error) {
      for (const entry of group) entry.reject(error)
    }
  }
}
