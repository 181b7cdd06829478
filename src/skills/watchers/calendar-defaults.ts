// Apart from calendar-watcher.ts, so reading a manifest's settings does not load ical.js (decision 1711).

/** How long before an item starts it is announced as upcoming, in minutes. */
export const DEFAULT_LEAD_MINUTES = 10
/** The first pass waits this long after open, in milliseconds (see skill-module.ts). */
export const DEFAULT_CALENDAR_START_DELAY_MS = 2_000
/** How often the calendars are read again, in seconds. */
export const DEFAULT_CALENDAR_CHECK_EVERY_SEC = 30
