// A real hub (in process, port 0) running the voice turn of manifests/examples/full.yaml against a
// loopback model server: the shipped voice configuration, without the skills that have no module.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parse, stringify } from 'yaml'
import { openHub, type RunningHub } from '../../src/kernel/index.ts'

const FULL_MANIFEST = resolve(import.meta.dirname, '../../manifests/examples/full.yaml')
const VOICE_SKILLS = new Set([
  'skill.llm',
  'skill.voice.stt',
  'skill.voice.tts',
  'skill.avatar',
  'skill.memory.episodic',
  'skill.rag',
])

/**
 * full.yaml's TTS configuration with `pacing: false`: the answer's audio goes out as fast as flite
 * speaks it and the turn ends then, instead of lasting as long as the answer plays. For tests that
 * neither play the answer nor interrupt it (barge-in needs the paced answer still playing).
 */
export const UNPACED_TTS_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({
  engine: 'flite',
  voicePreset: 'slt',
  pacing: false,
})

/** full.yaml's voice pipeline with the model at `llmBaseUrl` (Ollama protocol, model `tiny`). */
export function voiceManifestText(
  llmBaseUrl: string,
  workspace: string,
  sttConfig?: Record<string, unknown>,
  ttsConfig?: Record<string, unknown>,
): string {
  const manifest = parse(readFileSync(FULL_MANIFEST, 'utf8')) as {
    skills: { id: string }[]
    pipelines: { id: string }[]
    llm: Record<string, unknown>
    workspace: unknown
  }
  manifest.skills = manifest.skills.filter((skill) => VOICE_SKILLS.has(skill.id))
  const stt = manifest.skills.find((skill) => skill.id === 'skill.voice.stt') as { config?: unknown }
  if (sttConfig !== undefined) stt.config = sttConfig
  const tts = manifest.skills.find((skill) => skill.id === 'skill.voice.tts') as { config?: unknown }
  if (ttsConfig !== undefined) tts.config = ttsConfig
  manifest.pipelines = manifest.pipelines.filter((pipeline) => pipeline.id === 'pipeline.voice.turn')
  manifest.llm = { ...manifest.llm, provider: 'ollama', baseUrl: llmBaseUrl, model: 'tiny' }
  manifest.workspace = { roots: [{ name: 'workspace', path: workspace, access: 'read_write' }] }
  return stringify(manifest)
}

export async function openVoiceHub(
  folder: string,
  llmBaseUrl: string,
  sttConfig?: Record<string, unknown>,
  ttsConfig?: Record<string, unknown>,
): Promise<RunningHub> {
  const workspace = join(folder, 'workspace')
  mkdirSync(workspace, { recursive: true })
  const manifestPath = join(folder, 'voice.yaml')
  writeFileSync(manifestPath, voiceManifestText(llmBaseUrl, workspace, sttConfig, ttsConfig))
  return openHub({ dataDir: join(folder, 'data'), manifestPath, port: 0, transport: 'memory', logger: false })
}
