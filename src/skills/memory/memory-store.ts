import { randomUUID } from 'node:crypto'
import { HubError } from '../../contracts/index.ts'
import { matchExpressionOf } from '../rag/index.ts'
import { EpisodeRows } from './episode-rows.ts'
import { extractFacts, summarizeTurn } from './extract-facts.ts'
import { openMemoryDatabase } from './memory-database.ts'
import {
  DEFAULT_LIST_LIMIT,
  MAX_LIST_LIMIT,
  type MemoryStoreOptions,
  MILLISECONDS_PER_DAY,
  resolveMemoryConfig,
} from './memory-options.ts'
import {
  checkLimit,
  checkSessionId,
  checkTurn,
  type ForgetRequest,
  type ForgetResult,
  type ListRequest,
  type MemoryEntry,
  type MemoryReceipt,
  type TurnRecord,
  toMilliseconds,
} from './memory-records.ts'
import {
  type ContextRequest,
  type MemoryContext,
  prepareContextStatements,
  readContext,
  type TermSelectors,
} from './read-context.ts'
import { ScrubCache } from './scrub-cache.ts'
import { type ScrubReport, scrubMemoryDatabase, scrubMemoryId, scrubMemoryText } from './scrub-secrets.ts'
import { TermCounts } from './term-counts.ts'

export interface MemoryStore {
  /** Stores one finished turn (on turn.end): the episode, its summary and any facts it states. */
  recordTurn(turn: TurnRecord): MemoryReceipt
  readContext(request: ContextRequest): MemoryContext
  /** Episodes and facts, newest first. */
  list(request?: ListRequest): MemoryEntry[]
  /** Deletes one episode (with the facts it produced) or one fact; false when the id is unknown. */
  delete(id: string): boolean
  /** Deletes everything, or one session's episodes and facts, then compacts the file. */
  forgetAll(request?: ForgetRequest): ForgetResult
  /** Deletes what is older than retentionDays now (also done on open and while recording). */
  applyRetention(): ForgetResult
  /**
   * Replaces secrets in everything stored (for stores written before writes were scrubbed),
   * then compacts the file so the old bytes are gone.
   */
  scrubSecrets(): ScrubReport
  close(): void
}

interface EpisodeRow {
  id: string
  session_id: string
  trace_id: string | null
  ts: number
  user_text: string
  assistant_text: string
  summary: string
}

/**
 * Episodic memory in `<data>/memory.sqlite`. This is the one place where the hub keeps raw user
 * and assistant text on purpose (the event log keeps hashes only), so everything here can be
 * listed, deleted and expired by the user, and deletion really removes the bytes.
 */
export function openMemoryStore(options: MemoryStoreOptions): MemoryStore {
  const config = resolveMemoryConfig(options)
  const database = openMemoryDatabase(config.path)
  let closed = false
  let lastSweepMs = Number.NEGATIVE_INFINITY

  const ensureOpen = (): void => {
    if (closed) throw new HubError('E_BAD_REQUEST', `memory store ${config.path} is closed`)
  }
  const cutoffMs = (): number =>
    config.retentionDays === undefined
      ? Number.NEGATIVE_INFINITY
      : config.clock() - config.retentionDays * MILLISECONDS_PER_DAY

  const statements = {
    insertEpisode: database.prepare(
      `INSERT INTO episodes (id, session_id, trace_id, ts, user_text, assistant_text, summary)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertEpisodeText: database.prepare(
      'INSERT INTO episode_text (rowid, summary, user_text, assistant_text) VALUES (?, ?, ?, ?)',
    ),
    findFact: database.prepare('SELECT row, id FROM facts WHERE key = ?'),
    insertFact: database.prepare(
      'INSERT INTO facts (id, key, kind, text, session_id, episode_id, ts) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    updateFact: database.prepare(
      'UPDATE facts SET kind = ?, text = ?, session_id = ?, episode_id = ?, ts = ? WHERE row = ?',
    ),
    insertFactText: database.prepare('INSERT INTO fact_text (rowid, text) VALUES (?, ?)'),
    deleteFactText: database.prepare('DELETE FROM fact_text WHERE rowid = ?'),
    deleteEpisodeText: database.prepare('DELETE FROM episode_text WHERE rowid = ?'),
  }
  // Prepared once: compiling them took ~0.1 ms of every turn's read (decision 1756).
  const contextStatements = prepareContextStatements(database)
  const readScrubs = new ScrubCache()
  // Episodes read lately, loaded and scrubbed (decision 2096). Valid while no other connection has
  // written to the file: SQLite moves data_version for this connection when one has (a CLI's
  // `memory forget` while the hub runs); this store's own deletions clear it in flush().
  const readEpisodes = new EpisodeRows()
  // How many episodes and facts hold each query term, kept between reads and cleared with the
  // episode rows (decision 2101).
  const counted = (table: string, rows: string) => {
    const matches = database.prepare(`SELECT count(*) FROM ${table} WHERE ${table} MATCH ?`).pluck()
    const total = database.prepare(`SELECT count(*) FROM ${rows}`).pluck()
    return new TermCounts({
      count: (term) => matches.get(matchExpressionOf([term])) as number,
      total: () => total.get() as number,
    })
  }
  const episodeTerms = counted('episode_text', 'episodes')
  const factTerms = counted('fact_text', 'facts')
  const clearTermCounts = () => {
    episodeTerms.clear()
    factTerms.clear()
  }
  const selectTerms: TermSelectors = {
    episodes: (terms, window) => episodeTerms.selective(terms, window),
    facts: (terms, window) => factTerms.selective(terms, window),
  }
  const dataVersion = database.prepare('PRAGMA data_version').pluck()
  let seenDataVersion = dataVersion.get()

  // One read transaction for the whole read (decision 2096): in WAL mode each statement run on
  // its own takes and drops SQLite's read lock on the -shm file, two fcntl calls a statement,
  // and a context read runs a dozen statements on each turn's way to the model.
  const readContextOnce = database.transaction((request: ContextRequest): MemoryContext => {
    const version = dataVersion.get()
    if (version !== seenDataVersion) {
      seenDataVersion = version
      readEpisodes.clear()
      readScrubs.clear()
      clearTermCounts()
    }
    return readContext(
      contextStatements,
      request,
      cutoffMs(),
      config.lexicalWindow,
      (text) => readScrubs.scrub(text),
      readEpisodes,
      config.leaveOutCommonTerms ? selectTerms : undefined,
    )
  })

  /** Deletes the selected episodes and facts (rows and their full-text entries) in one transaction. */
  const deleteWhere = database.transaction(
    (episodeWhere: string, factWhere: string, ...values: unknown[]) => {
      const episodes = database
        .prepare(`SELECT row, id FROM episodes WHERE ${episodeWhere}`)
        .all(...values) as {
        row: number
        id: string
      }[]
      const factsOf = database.prepare('SELECT row FROM facts WHERE episode_id = ?').pluck()
      const cascaded = episodes.flatMap((episode) => factsOf.all(episode.id) as number[])
      const selected = database
        .prepare(`SELECT row FROM facts WHERE ${factWhere}`)
        .pluck()
        .all(...values) as number[]
      const factRows = new Set([...cascaded, ...selected])
      for (const row of factRows) {
        statements.deleteFactText.run(row)
        database.prepare('DELETE FROM facts WHERE row = ?').run(row)
      }
      for (const episode of episodes) {
        statements.deleteEpisodeText.run(episode.row)
        database.prepare('DELETE FROM episodes WHERE row = ?').run(episode.row)
      }
      return { episodes: episodes.length, facts: factRows.size }
    },
  )

  /** Pushes deletions out of the WAL into the (zeroed) main file and empties the WAL. */
  const flush = (compact: boolean): void => {
    // Every deletion and rewrite ends here: the read caches let go of the texts they held.
    readScrubs.clear()
    readEpisodes.clear()
    clearTermCounts()
    if (compact) {
      database.prepare("INSERT INTO episode_text (episode_text) VALUES ('optimize')").run()
      database.prepare("INSERT INTO fact_text (fact_text) VALUES ('optimize')").run()
      database.exec('VACUUM')
    }
    database.pragma('wal_checkpoint(TRUNCATE)')
  }

  const sweep = (force: boolean): ForgetResult => {
    if (config.retentionDays === undefined) return { episodes: 0, facts: 0 }
    const now = config.clock()
    if (!force && now - lastSweepMs < config.retentionSweepIntervalMs) return { episodes: 0, facts: 0 }
    lastSweepMs = now
    const cutoff = cutoffMs()
    const result = deleteWhere('ts < ?', 'ts < ?', cutoff) as ForgetResult
    if (result.episodes + result.facts > 0) flush(false)
    return result
  }

  try {
    sweep(true)
  } catch (error) {
    database.close()
    throw error
  }

  return {
    recordTurn(turn) {
      ensureOpen()
      const checked = checkTurn(turn, config.maxTextChars)
      const truncated = checked.truncated
      // Credentials never reach the file: not in the texts, the summary, the facts or the trace id.
      const userText = scrubMemoryText(checked.userText).text
      const assistantText = scrubMemoryText(checked.assistantText).text
      const traceId = turn.traceId === undefined ? null : scrubMemoryId(turn.traceId).text
      const ts = turn.ts === undefined ? config.clock() : toMilliseconds(turn.ts, '/ts')
      const id = `ep_${randomUUID()}`
      const summary = summarizeTurn(userText, assistantText)
      const extracted = extractFacts(userText)
      let replacedFact = false
      const facts = database.transaction(() => {
        const row = statements.insertEpisode.run(
          id,
          turn.sessionId,
          traceId,
          ts,
          userText,
          assistantText,
          summary,
        ).lastInsertRowid
        statements.insertEpisodeText.run(row, summary, userText, assistantText)
        return extracted.map((fact) => {
          const existing = statements.findFact.get(fact.key) as { row: number; id: string } | undefined
          if (existing === undefined) {
            const factId = `fact_${randomUUID()}`
            const factRow = statements.insertFact.run(
              factId,
              fact.key,
              fact.kind,
              fact.text,
              turn.sessionId,
              id,
              ts,
            ).lastInsertRowid
            statements.insertFactText.run(factRow, fact.text)
            return { id: factId, kind: fact.kind, text: fact.text, ts: new Date(ts).toISOString() }
          }
          // A restated or contradicted fact replaces the old one and now belongs to this turn.
          replacedFact = true
          statements.updateFact.run(fact.kind, fact.text, turn.sessionId, id, ts, existing.row)
          statements.deleteFactText.run(existing.row)
          statements.insertFactText.run(existing.row, fact.text)
          return { id: existing.id, kind: fact.kind, text: fact.text, ts: new Date(ts).toISOString() }
        })
      })()
      episodeTerms.recorded(summary, userText, assistantText)
      // A restated fact replaced an older text, whose words no count can take back: count afresh.
      if (replacedFact) factTerms.clear()
      else for (const fact of facts) factTerms.recorded(fact.text)
      sweep(false)
      return { id, ts: new Date(ts).toISOString(), summary, facts, truncated }
    },

    readContext(request) {
      ensureOpen()
      sweep(false)
      return readContextOnce(request)
    },

    list(request = {}) {
      ensureOpen()
      sweep(false)
      const limit = checkLimit(request.limit, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, '/limit')
      const before =
        request.before === undefined ? Number.MAX_SAFE_INTEGER : toMilliseconds(request.before, '/before')
      const session = request.sessionId === undefined ? undefined : checkSessionId(request.sessionId)
      const filter = session === undefined ? '' : 'AND session_id = ?'
      const values = session === undefined ? [before, cutoffMs()] : [before, cutoffMs(), session]
      const episodes = database
        .prepare(
          `SELECT * FROM episodes WHERE ts < ? AND ts >= ? ${filter} ORDER BY ts DESC, row DESC LIMIT ?`,
        )
        .all(...values, limit) as EpisodeRow[]
      const facts = database
        .prepare(`SELECT * FROM facts WHERE ts < ? AND ts >= ? ${filter} ORDER BY ts DESC, row DESC LIMIT ?`)
        .all(...values, limit) as { id: string; kind: string; text: string; session_id: string; ts: number }[]
      const entries: (MemoryEntry & { ms: number })[] = [
        ...episodes.map((row) => ({
          id: row.id,
          kind: 'episode' as const,
          sessionId: row.session_id,
          ts: new Date(row.ts).toISOString(),
          ms: row.ts,
          // Scrubbed on the way out too, for stores written before `memory scrub` ran.
          text: scrubMemoryText(row.summary).text,
          ...(row.trace_id === null ? {} : { traceId: scrubMemoryId(row.trace_id).text }),
          userText: scrubMemoryText(row.user_text).text,
          assistantText: scrubMemoryText(row.assistant_text).text,
        })),
        ...facts.map((row) => ({
          id: row.id,
          kind: 'fact' as const,
          sessionId: row.session_id,
          ts: new Date(row.ts).toISOString(),
          ms: row.ts,
          text: scrubMemoryText(row.text).text,
          factKind: row.kind as MemoryEntry['factKind'],
        })),
      ]
      return entries
        .sort((a, b) => b.ms - a.ms || (a.kind === b.kind ? 0 : a.kind === 'episode' ? -1 : 1))
        .slice(0, limit)
        .map(({ ms: _ms, ...entry }) => entry)
    },

    delete(id) {
      ensureOpen()
      if (typeof id !== 'string' || id === '') throw new HubError('E_BAD_REQUEST', 'delete needs a memory id')
      const result = deleteWhere('id = ?', 'id = ?', id) as ForgetResult
      if (result.episodes + result.facts === 0) return false
      flush(false)
      return true
    },

    forgetAll(request = {}) {
      ensureOpen()
      const result = (
        request.sessionId === undefined
          ? deleteWhere('1 = 1', '1 = 1')
          : deleteWhere('session_id = ?', 'session_id = ?', checkSessionId(request.sessionId))
      ) as ForgetResult
      flush(true)
      return result
    },

    applyRetention() {
      ensureOpen()
      return sweep(true)
    },

    scrubSecrets() {
      ensureOpen()
      const report = scrubMemoryDatabase(database)
      flush(report.episodes + report.facts > 0)
      return report
    },

    close() {
      if (closed) return
      closed = true
      readScrubs.clear()
      database.close()
    },
  }
}
