import type { RegistryDocument } from '../../contracts/index.ts'
import { type HubManifest, knownTypesFromEntries, loadManifest } from '../../manifest/index.ts'
import {
  moduleProblems,
  type ResolvedSkill,
  type ResolveOptions,
  resolveSkillModule,
} from '../skill-host/index.ts'

/**
 * Loads the manifest and the skill modules it names, and checks what only the modules know (their
 * config keys, conditions and emitted types) with the same line-precise errors as the schema.
 */
export async function loadHubManifest(
  path: string,
  registry: RegistryDocument,
  resolveOptions: ResolveOptions,
): Promise<{ manifest: HubManifest; resolved: ResolvedSkill[] }> {
  const knownTypes = knownTypesFromEntries(registry.entries)
  const first = await loadManifest(path, { knownTypes })
  const resolved: ResolvedSkill[] = []
  for (const skill of first.skills) resolved.push(await resolveSkillModule(skill, resolveOptions))
  const manifest = await loadManifest(path, {
    knownTypes,
    extraChecks: (candidate) => moduleProblems(candidate, resolved),
  })
  // The second load returns equal objects; the resolved entries must point at its skills.
  return {
    manifest,
    resolved: resolved.map((entry, index) => ({ ...entry, skill: manifest.skills[index]! })),
  }
}
