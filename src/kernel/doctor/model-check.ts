// The language model the manifest enables: the server reachable and the model on it (Ollama
// /api/tags, OpenAI-compatible /v1/models), or the GGUF file and the in-process runtime.
import type { HubManifest } from '../../manifest/index.ts'
import {
  checkGgufFile,
  type LlmConfig,
  type LlmConfigInput,
  type LlmHealth,
  llmInputOf,
  loadLlamaNode,
  providerFor,
  resolveLlmConfig,
} from '../../skills/llm/index.ts'
import type { DoctorCheck } from './doctor-types.ts'
import { enabledSkillsOf } from './skills-of.ts'

type Environment = Readonly<Record<string, string | undefined>>

export interface ModelCheckOptions {
  env: Environment
  flags?: LlmConfigInput
  timeoutMs: number
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 300)
}

async function checkGguf(config: LlmConfig): Promise<DoctorCheck> {
  if (config.ggufPath === undefined) {
    return {
      id: 'model',
      status: 'fail',
      summary: 'llm.provider is llamacpp but no GGUF file is named',
      fix: 'set llm.ggufPath in the manifest or pass --gguf FILE',
    }
  }
  try {
    const summary = await checkGgufFile(config.ggufPath)
    try {
      await loadLlamaNode()
    } catch (error) {
      return {
        id: 'model',
        status: 'fail',
        summary: `GGUF file ${config.ggufPath} is readable but the llama.cpp runtime does not load: ${firstLine((error as Error).message)}`,
        fix: 'install it: `npm install @fugood/llama.node`, or use Ollama (`--llm-provider ollama`)',
      }
    }
    return {
      id: 'model',
      status: 'ok',
      summary: `GGUF file ${config.ggufPath} (${summary.architecture ?? 'unknown architecture'}, ${summary.tensorCount} tensors)`,
    }
  } catch (error) {
    return {
      id: 'model',
      status: 'fail',
      summary: `GGUF file ${config.ggufPath}: ${firstLine((error as Error).message)}`,
      fix: 'point llm.ggufPath or --gguf at a GGUF model file you downloaded',
    }
  }
}

function serverName(config: LlmConfig): string {
  return config.provider === 'ollama' ? 'Ollama' : 'the OpenAI-compatible server'
}

function unreachableFix(config: LlmConfig): string {
  return config.provider === 'ollama'
    ? 'start it with `ollama serve`, or point OLLAMA_HOST / --ollama-host at where it runs'
    : 'start it (llama.cpp `llama-server`, vLLM, LM Studio), or point OPENAI_BASE_URL at where it runs'
}

function missingModelFix(config: LlmConfig, models: readonly string[]): string {
  if (config.provider === 'ollama') return `pull it with \`ollama pull ${config.model}\``
  const offered = models.slice(0, 5).join(', ')
  return `load ${config.model} in the server, or set llm.model (or --model) to one it lists: ${offered}`
}

function fromHealth(config: LlmConfig, health: LlmHealth): DoctorCheck {
  const where = `${serverName(config)} at ${config.baseUrl}`
  if (health.ok) {
    return {
      id: 'model',
      status: 'ok',
      summary: `${where}${health.version === undefined ? '' : ` (${health.version})`} has model ${config.model}`,
    }
  }
  // A server that listed its models answered: then the model is what is missing.
  if (health.models !== undefined) {
    return {
      id: 'model',
      status: 'fail',
      summary: `${where} is up but has no model ${config.model}`,
      fix: missingModelFix(config, health.models),
    }
  }
  return {
    id: 'model',
    status: 'fail',
    // The provider's message ends with its own hint after '; ': the fix line says it once.
    summary: firstLine(health.error?.message ?? `${where} is not reachable`).split('; ')[0]!,
    fix: unreachableFix(config),
  }
}

export async function checkModel(manifest: HubManifest, options: ModelCheckOptions): Promise<DoctorCheck> {
  const skill = enabledSkillsOf(manifest, 'llm')[0]
  if (skill === undefined)
    return { id: 'model', status: 'info', summary: 'no language-model skill is enabled' }
  let config: LlmConfig
  try {
    config = resolveLlmConfig({
      manifest: llmInputOf(manifest, skill),
      env: options.env,
      flags: options.flags,
    })
  } catch (error) {
    return {
      id: 'model',
      status: 'fail',
      summary: `the model settings are invalid: ${firstLine((error as Error).message)}`,
      fix: 'correct the llm section of the manifest (`localhub manifest validate FILE` explains)',
    }
  }
  if (config.provider === 'llamacpp') return checkGguf(config)
  const provider = providerFor(config)
  try {
    return fromHealth(config, await provider.health(AbortSignal.timeout(options.timeoutMs)))
  } finally {
    await provider.close()
  }
}
