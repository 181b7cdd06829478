import type { HubManifest, Skill } from '../../manifest/index.ts'
import { resolveModelFile } from '../../model-files/index.ts'
import { defineSkill, type EmbeddingPort, SERVICE_NAMES, type ToolPort } from '../../skill-api/index.ts'
import type { LlmConfigInput } from './config.ts'
import { createLlmProvider } from './create-provider.ts'
import { createLlmStep } from './llm-step.ts'

function numberConfig(skill: Skill, key: string): number | undefined {
  const value = skill.config?.[key]
  return typeof value === 'number' ? value : undefined
}

function stringConfig(skill: Skill, key: string): string | undefined {
  const value = skill.config?.[key]
  return typeof value === 'string' ? value : undefined
}

/** The model settings of the manifest: the `llm:` section, then the skill's own config and transport. */
export function llmInputOf(manifest: HubManifest, skill: Skill): LlmConfigInput {
  const section = manifest.llm
  const model = section?.model ?? stringConfig(skill, 'model')
  // The skill's http transport is the model server itself (seed 000's skill.llm.ollama).
  const baseUrl = section?.baseUrl ?? skill.transport?.base
  const temperature = section?.temperature ?? numberConfig(skill, 'temperature')
  return {
    ...(section?.provider === undefined ? {} : { provider: section.provider }),
    ...(model === undefined ? {} : { model }),
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(section?.embedModel === undefined ? {} : { embeddingModel: section.embedModel }),
    ...(section?.ggufPath === undefined ? {} : { ggufPath: section.ggufPath }),
    ...(section?.threads === undefined ? {} : { threads: section.threads }),
    ...(section?.contextSize === undefined ? {} : { contextTokens: section.contextSize }),
    ...(temperature === undefined ? {} : { temperature }),
    ...(section?.firstTokenTimeoutMs === undefined
      ? {}
      : { firstTokenTimeoutMs: section.firstTokenTimeoutMs }),
    ...(section?.timeoutMs === undefined ? {} : { requestTimeoutMs: section.timeoutMs }),
    ...(section?.apiKeyEnv === undefined ? {} : { apiKeyEnv: section.apiKeyEnv }),
  }
}

/**
 * The language model as a skill: opens the provider the manifest and command line choose, answers
 * `call` steps by streaming the model's answer, and offers the model the hub's tools when the
 * kernel provides them.
 */
export const llmSkillModule = defineSkill({
  name: 'llm',
  emits: [
    'chat.prompt',
    'stream.start',
    'llm.token',
    'stream.chunk',
    'llm.complete',
    'stream.end',
    'chat.message',
  ],
  configKeys: ['model', 'temperature', 'systemPrompt', 'maxToolRounds'],
  open(context) {
    // A bare ggufPath names a file `localhub models pull` put in <data>/models.
    const inModels = (input: LlmConfigInput | undefined): LlmConfigInput =>
      input?.ggufPath === undefined
        ? { ...input }
        : { ...input, ggufPath: resolveModelFile(context.dataDir, input.ggufPath) }
    const provider = createLlmProvider(inModels(llmInputOf(context.manifest, context.skill)), context.env, {
      flags: inModels(context.overrides as LlmConfigInput | undefined),
    })
    context.services.provide(SERVICE_NAMES.modelHealth, provider)
    if (provider.embed !== undefined) {
      const embed = provider.embed.bind(provider)
      const input = llmInputOf(context.manifest, context.skill)
      const model =
        (context.overrides as LlmConfigInput | undefined)?.embeddingModel ??
        input.embeddingModel ??
        provider.model
      context.services.provide<EmbeddingPort>(SERVICE_NAMES.embeddings, { model, embed })
    }
    const systemPrompt = stringConfig(context.skill, 'systemPrompt')
    const maxToolRounds = numberConfig(context.skill, 'maxToolRounds')
    const temperature = numberConfig(context.skill, 'temperature')
    const step = createLlmStep({
      id: context.skill.id,
      provider,
      tools: () => context.services.get<ToolPort>(SERVICE_NAMES.tools),
      ...(systemPrompt === undefined ? {} : { systemPrompt }),
      ...(maxToolRounds === undefined ? {} : { maxToolRounds }),
      ...(temperature === undefined ? {} : { temperature }),
      ...(context.manifest.llm?.contextSize === undefined
        ? {}
        : { contextTokens: context.manifest.llm.contextSize }),
    })
    return {
      runtime: { status: step.status, invoke: step.invoke },
      close: () => provider.close(),
    }
  },
})
