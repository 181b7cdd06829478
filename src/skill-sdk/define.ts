import type { StdioSkillDefinition, ToolDefinitionInput } from './sdk-types.ts'

/** Infers a tool's argument and result types from its handler. */
export function defineTool<Arguments, Result>(
  tool: ToolDefinitionInput<Arguments, Result>,
): ToolDefinitionInput<Arguments, Result> {
  return tool
}

/** Checks a skill's shape at compile time; `runStdioSkill` runs it. */
export function defineStdioSkill<T extends StdioSkillDefinition>(definition: T): T {
  return definition
}
