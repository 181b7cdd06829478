import type { EnvelopeDraft } from '../../contracts/index.ts'

/** The part of the bus a pipeline needs. The real bus satisfies it; tests may pass a recorder. */
export interface EventPublisher {
  // Run events are typed by name at run time (a manifest's emit steps), so the untyped door.
  publishUntyped(draft: EnvelopeDraft): Promise<{ id: string; seq?: number }>
}
