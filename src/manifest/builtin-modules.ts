import type { Skill } from './manifest-types.ts'

// Which built-in implementation runs a manifest skill in process. `transport.module` names it;
// without a module, seed 000's roles and id prefixes do (the manifests written before modules).

export const BUILTIN_MODULES = ['llm', 'memory', 'rag', 'tools-fs'] as const
export type BuiltinModule = (typeof BUILTIN_MODULES)[number]

type SkillShape = Pick<Skill, 'id' | 'role' | 'transport'>

function byRole(skill: SkillShape): BuiltinModule | undefined {
  if (skill.role === 'core-brain' || skill.id.startsWith('skill.llm.')) return 'llm'
  if (skill.role === 'long-term-episodic' || skill.id.startsWith('skill.memory.')) return 'memory'
  if (skill.role === 'doc-knowledge' || skill.id.startsWith('skill.rag.')) return 'rag'
  if (skill.role === 'tools.read' || skill.role === 'tools.write' || skill.id.startsWith('skill.action.'))
    return 'tools-fs'
  return undefined
}

/** The built-in module of an in-process skill, or undefined (remote, or a module this hub lacks). */
export function builtinModuleOf(skill: SkillShape): BuiltinModule | undefined {
  if ((skill.transport?.type ?? 'inproc') !== 'inproc') return undefined
  const module = skill.transport?.module
  if (module !== undefined)
    return (BUILTIN_MODULES as readonly string[]).includes(module) ? (module as BuiltinModule) : undefined
  return byRole(skill)
}
