import { readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import type { Clock } from '../../bus/index.ts'
import type { SkillLogger } from '../../skill-api/index.ts'
import { type CalendarOccurrence, occurrencesIn } from './ical-occurrences.ts'

export type CalendarChange = 'upcoming' | 'started'

export interface CalendarWatcherOptions {
  readonly clock: Clock
  /** .ics files, or folders whose .ics files are read (not recursively). */
  readonly paths: readonly string[]
  readonly leadMs: number
  readonly checkEveryMs: number
  readonly defaultZone: string
  readonly logger: SkillLogger
  readonly publish: (
    occurrence: CalendarOccurrence,
    change: CalendarChange,
    calendar: string,
  ) => Promise<void>
}

function calendarFiles(path: string): string[] {
  try {
    if (statSync(path).isDirectory())
      return readdirSync(path)
        .filter((name) => extname(name).toLowerCase() === '.ics')
        .sort()
        .map((name) => join(path, name))
    return [path]
  } catch {
    return []
  }
}

/**
 * Reads the calendars every `checkEveryMs` and announces each occurrence twice: `upcoming` once it
 * is within `leadMs` of its start, `started` once it has begun (while it lasts). Announcements are
 * remembered until the occurrence ends; the bus drops a repeat after a restart by its
 * idempotency key.
 */
export class CalendarWatcher {
  readonly #options: CalendarWatcherOptions
  readonly #announced = new Map<string, number>()
  #timer: unknown
  #closed = false

  constructor(options: CalendarWatcherOptions) {
    this.#options = options
  }

  /** The first pass after `delayMs` (the skill waits for the hub's pipelines: see skill-module.ts). */
  start(delayMs = 0): void {
    if (delayMs <= 0) void this.tick()
    else this.#timer = this.#options.clock.setTimeout(() => void this.tick(), delayMs)
  }

  close(): void {
    this.#closed = true
    this.#options.clock.clearTimeout(this.#timer)
  }

  /** One pass over the calendars; answers what it announced. */
  async tick(): Promise<{ eventId: string; change: CalendarChange }[]> {
    const { clock, leadMs, checkEveryMs, defaultZone, logger } = this.#options
    const now = clock.now()
    const announced: { eventId: string; change: CalendarChange }[] = []
    for (const [key, endsAt] of this.#announced) if (endsAt < now) this.#announced.delete(key)
    for (const file of this.#options.paths.flatMap(calendarFiles)) {
      let occurrences: CalendarOccurrence[]
      try {
        occurrences = occurrencesIn(readFileSync(file, 'utf8'), now, now + leadMs + checkEveryMs, defaultZone)
      } catch (error) {
        logger.warn('a calendar could not be read', { file, error: (error as Error).message })
        continue
      }
      const calendar = basename(file, extname(file)) || 'calendar'
      for (const occurrence of occurrences) {
        const change: CalendarChange | undefined =
          occurrence.startsAt <= now
            ? 'started'
            : occurrence.startsAt - leadMs <= now
              ? 'upcoming'
              : undefined
        if (change === undefined) continue
        const key = `${change}:${calendar}:${occurrence.eventId}`
        if (this.#announced.has(key)) continue
        try {
          await this.#options.publish(occurrence, change, calendar)
          this.#announced.set(key, occurrence.endsAt)
          announced.push({ eventId: occurrence.eventId, change })
        } catch (error) {
          logger.warn('a calendar event could not be published', { error: (error as Error).message })
        }
      }
    }
    if (!this.#closed) {
      clock.clearTimeout(this.#timer)
      this.#timer = clock.setTimeout(() => void this.tick(), checkEveryMs)
    }
    return announced
  }
}
