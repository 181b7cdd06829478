import { type ErrorCode, HubError, type ValidationIssue } from '../contracts/index.ts'
import {
  cappedIssues,
  deepFreeze,
  isMapping,
  locateIssues,
  type ManifestIssue,
  type ManifestProblem,
  notMappingIssue,
  orderIssues,
  parseYamlSource,
  readGuardedText,
} from '../manifest/index.ts'
import { createScenarioSchema, type ScenarioSchema } from './scenario-schema.ts'
import { scenarioSemanticIssues } from './scenario-semantics.ts'
import type { Scenario } from './scenario-types.ts'

// Reads a scenario file the way the hub manifest is read (YAML 1.2, the same alias, depth and size
// guards, errors with JSON pointer, line, column, expected, got and a fix), then checks it against
// catalog/scenario.schema.json and the semantic rules. An inline scenario (a JSON object sent to
// POST /resolve) goes through the same schema and rules, with pointers but no lines.

/**
 * Largest scenario file, in bytes: a real one is under 2 KB, 64 steps fit in 16 KB; 64 KB keeps a
 * hostile file's check under half a second (0.1–0.5 s for 1,583 steps at load 15 on 2 cores; a
 * 200 KB one took 1.1 s).
 */
export const DEFAULT_SCENARIO_MAX_BYTES = 64 * 1024
/** Alias uses allowed while building the value ("billion laughs"). */
export const DEFAULT_SCENARIO_MAX_ALIAS_COUNT = 50
/** Deepest nesting of mappings and lists; the DSL needs 5. */
export const DEFAULT_SCENARIO_MAX_DEPTH = 16
/** Issues reported at most; the rest are counted in one last issue. */
export const DEFAULT_SCENARIO_MAX_ISSUES = 50

export interface ScenarioLoadOptions {
  maxBytes?: number
  maxAliasCount?: number
  maxDepth?: number
  maxIssues?: number
}

export type ScenarioCheck =
  | { ok: true; scenario: Scenario }
  | { ok: false; code: ErrorCode; issues: ManifestIssue[] }

let shipped: ScenarioSchema | undefined

/** The shipped schema compiled on first use and kept (a constant file of this package). */
function shippedSchema(): ScenarioSchema {
  shipped ??= createScenarioSchema()
  return shipped
}

function settingsOf(options: ScenarioLoadOptions): Required<ScenarioLoadOptions> {
  const settings = {
    maxBytes: DEFAULT_SCENARIO_MAX_BYTES,
    maxAliasCount: DEFAULT_SCENARIO_MAX_ALIAS_COUNT,
    maxDepth: DEFAULT_SCENARIO_MAX_DEPTH,
    maxIssues: DEFAULT_SCENARIO_MAX_ISSUES,
    ...options,
  }
  for (const [key, value] of Object.entries(settings)) {
    if (!Number.isInteger(value) || value < (key === 'maxAliasCount' ? 0 : 1))
      throw new HubError(
        'E_BAD_REQUEST',
        `scenario option ${key} must be a positive integer, got ${String(value)}`,
      )
  }
  return Object.freeze(settings)
}

// The YAML reader speaks of "the manifest"; here the document is a scenario file.
const reworded = (text: string) =>
  text.replace(/\bmanifests\b/g, 'scenario files').replace(/\bmanifest\b/g, 'scenario file')

/** Schema and semantic problems of a parsed value (no positions yet). */
function valueProblems(value: unknown): ManifestProblem[] {
  if (!isMapping(value))
    return [notMappingIssue(value, 'scenario', 'start from examples/scenarios/all-on-hub.yaml')]
  const schemaProblems = shippedSchema().problems(value)
  return schemaProblems.length > 0 ? schemaProblems : scenarioSemanticIssues(value as Scenario)
}

/** Validates scenario text; never throws for bad input, returns every defect found instead. */
export function checkScenarioText(text: string, options: ScenarioLoadOptions = {}): ScenarioCheck {
  const settings = settingsOf(options)
  const source = parseYamlSource(text, settings)
  if (!source.ok) {
    const drafts = source.drafts.map((draft) => ({
      ...draft,
      problem: reworded(draft.problem),
      fix: reworded(draft.fix),
    }))
    return {
      ok: false,
      code: source.code,
      issues: cappedIssues(locateIssues(drafts, text, source.document), settings.maxIssues),
    }
  }
  const problems = valueProblems(source.value)
  if (problems.length > 0) {
    const issues = orderIssues(locateIssues(problems, text, source.document))
    return { ok: false, code: 'E_VALIDATION', issues: cappedIssues(issues, settings.maxIssues) }
  }
  return { ok: true, scenario: deepFreeze(source.value as Scenario) }
}

/** Validates a scenario given as a value (an inline scenario in a resolve body): issues carry pointers only. */
export function checkScenarioValue(
  value: unknown,
  options: ScenarioLoadOptions = {},
): { ok: true; scenario: Scenario } | { ok: false; issues: ValidationIssue[] } {
  const settings = settingsOf(options)
  const problems = valueProblems(value)
  if (problems.length > 0) {
    const issues = problems.map((draft) => ({
      path: draft.path,
      expected: draft.expected,
      got: draft.got,
      message: `${draft.problem} — ${draft.fix}`,
    }))
    return { ok: false, issues: cappedIssues(issues, settings.maxIssues) }
  }
  return { ok: true, scenario: deepFreeze(structuredClone(value) as Scenario) }
}

/** Reads and checks a scenario file; throws HubError (details.issues, details.file) when it has defects. */
export async function loadScenarioFile(path: string, options: ScenarioLoadOptions = {}): Promise<Scenario> {
  const settings = settingsOf(options)
  const text = await readGuardedText(path, {
    maxBytes: settings.maxBytes,
    noun: 'scenario',
    sizeSubject: 'the scenario file',
    sizeFix: 'keep scenarios small',
    details: { file: path },
  })
  const check = checkScenarioText(text, settings)
  if (!check.ok) {
    const first = check.issues[0] as ManifestIssue
    const count = check.issues.length === 1 ? '' : `${check.issues.length} problems, first: `
    throw new HubError(
      check.code,
      `scenario ${path}: ${count}${first.line}:${first.column} ${first.problem}`,
      {
        details: { file: path, issues: check.issues },
      },
    )
  }
  return check.scenario
}
