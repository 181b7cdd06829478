import { fileURLToPath } from 'node:url'
import type { BusFlags } from '../../bus-factory/index.ts'
import type { LlmConfigInput } from '../../skills/llm/index.ts'
import type { YoungGeneration } from './turn-end-collection.ts'

/** Seed 000's manifest, corrected, shipped with the package. */
export const DEFAULT_MANIFEST_PATH = fileURLToPath(
  new URL('../../../manifests/default.yaml', import.meta.url),
)
/** The pipeline POST /chat runs. */
export const CHAT_PIPELINE_ID = 'pipeline.chat.text'

export interface HubOptions {
  /** Default: the platform's home for the data, defaultDataDir(env) (data-home.ts). */
  dataDir?: string
  manifestPath?: string
  host?: string
  port?: number
  /**
   * The bus transport; the embedded default is SQLite in the data directory. 'nats' connects to
   * the servers of `bus` or the manifest's `bus:` section (decision 1600).
   */
  transport?: 'sqlite' | 'memory' | 'nats'
  /** `--bus` / `--hub-id` of `localhub serve`: they win over LOCALHUB_BUS, LOCALHUB_HUB_ID and the manifest. */
  bus?: BusFlags
  env?: Readonly<Record<string, string | undefined>>
  /** Command-line LLM overrides (they win over environment and manifest). */
  llmFlags?: LlmConfigInput
  token?: string
  /** How long a pairing challenge may be answered (default 5 min, else LOCALHUB_PAIRING_TTL_MS). */
  pairingTtlMs?: number
  /**
   * How long an open utterance on a voice entry (`/ws/voice`) may go without audio before it ends
   * with E_TIMEOUT: DEFAULT_VOICE_IDLE_MS (5 s, docs/voice.md) when absent. Tests shorten it so they
   * do not wait out the product's limit; an integer from MIN_VOICE_IDLE_MS to MAX_VOICE_IDLE_MS.
   */
  voiceIdleMs?: number
  /**
   * How long a Wyoming event whose announced bytes stop coming may stay incomplete before its
   * connection closes with E_TIMEOUT: DEFAULT_WYOMING_PARTIAL_EVENT_MS (5 s, docs/voice.md) when
   * absent. Tests shorten it as they do voiceIdleMs; an integer from 100 to 60 000 ms.
   */
  wyomingPartialEventMs?: number
  /** Where skills' log lines go (the serve command prints them); dropped when absent. */
  skillLog?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void
  /**
   * The young generation a finished chat turn empties when it is over half full (decision 2090).
   * Default: this process's, when node runs with `--expose-gc` (bin/localhub.js does); without
   * the flag nothing is collected. Tests pass their own to watch it.
   */
  youngGeneration?: YoungGeneration
  /** Logs go here as pino JSON lines; false for none. */
  logger?:
    | {
        level?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
        stream?: NodeJS.WritableStream
      }
    | false
}
