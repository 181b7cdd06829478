import { scrubSecrets } from '../../contracts/index.ts'
import type { SqliteDatabase } from './memory-database.ts'

/**
 * Memory keeps the person's words on purpose, but credentials are not words to keep: the same
 * detectors as the event log's guardrails replace them by markers before anything is written
 * (decision 1300).
 */
export function scrubMemoryText(text: string): { text: string; secrets: number } {
  const result = scrubSecrets(text)
  return { text: result.text, secrets: result.findings.length }
}

/** Ids are random by nature: only the known shapes are looked for there. */
export function scrubMemoryId(text: string): { text: string; secrets: number } {
  const result = scrubSecrets(text, { highEntropy: false })
  return { text: result.text, secrets: result.findings.length }
}

/** What `localhub memory scrub` rewrote. */
export interface ScrubReport {
  episodes: number
  facts: number
  secrets: number
}

interface EpisodeRow {
  row: number
  trace_id: string | null
  user_text: string
  assistant_text: string
  summary: string
}

interface FactRow {
  row: number
  key: string
  text: string
}

/**
 * Rewrites every episode and fact holding a secret (rows and full-text entries) in one
 * transaction. The caller compacts the file afterwards so the old bytes leave it.
 */
export function scrubMemoryDatabase(database: SqliteDatabase): ScrubReport {
  const report: ScrubReport = { episodes: 0, facts: 0, secrets: 0 }
  const updateEpisode = database.prepare(
    'UPDATE episodes SET trace_id = ?, user_text = ?, assistant_text = ?, summary = ? WHERE row = ?',
  )
  const deleteEpisodeText = database.prepare('DELETE FROM episode_text WHERE rowid = ?')
  const insertEpisodeText = database.prepare(
    'INSERT INTO episode_text (rowid, summary, user_text, assistant_text) VALUES (?, ?, ?, ?)',
  )
  const updateFact = database.prepare('UPDATE facts SET key = ?, text = ? WHERE row = ?')
  const deleteFactText = database.prepare('DELETE FROM fact_text WHERE rowid = ?')
  const insertFactText = database.prepare('INSERT INTO fact_text (rowid, text) VALUES (?, ?)')
  const keyTaken = database.prepare('SELECT 1 FROM facts WHERE key = ? AND row != ?').pluck()

  database.transaction(() => {
    // .all(), not .iterate(): better-sqlite3 runs no other statement while an iterator is open.
    const episodes = database
      .prepare('SELECT row, trace_id, user_text, assistant_text, summary FROM episodes')
      .all() as EpisodeRow[]
    for (const episode of episodes) {
      const trace = episode.trace_id === null ? { text: null, secrets: 0 } : scrubMemoryId(episode.trace_id)
      const user = scrubMemoryText(episode.user_text)
      const assistant = scrubMemoryText(episode.assistant_text)
      const summary = scrubMemoryText(episode.summary)
      const found = trace.secrets + user.secrets + assistant.secrets + summary.secrets
      if (found === 0) continue
      report.episodes++
      report.secrets += found
      updateEpisode.run(trace.text, user.text, assistant.text, summary.text, episode.row)
      deleteEpisodeText.run(episode.row)
      insertEpisodeText.run(episode.row, summary.text, user.text, assistant.text)
    }
    for (const fact of database.prepare('SELECT row, key, text FROM facts').all() as FactRow[]) {
      const text = scrubMemoryText(fact.text)
      if (text.secrets === 0) continue
      report.facts++
      report.secrets += text.secrets
      // Keys such as `note:<value>` repeat the value (lower-cased, so detectors may miss it there):
      // the value part is rebuilt from the scrubbed text.
      const colon = fact.key.indexOf(':')
      let key = colon < 0 ? fact.key : `${fact.key.slice(0, colon)}:${normalizedKeyValue(text.text)}`
      if (keyTaken.get(key, fact.row) !== undefined) key = `${key}#${fact.row}`
      updateFact.run(key, text.text, fact.row)
      deleteFactText.run(fact.row)
      insertFactText.run(fact.row, text.text)
    }
  })()
  return report
}

function normalizedKeyValue(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim()
}
