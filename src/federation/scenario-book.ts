import { readdir, stat } from 'node:fs/promises'
import { extname, join, resolve } from 'node:path'
import { HubError } from '../contracts/index.ts'
import { loadScenarioFile, type ScenarioLoadOptions } from './scenario-load.ts'
import type { Scenario } from './scenario-types.ts'

// The scenarios a hub knows by name: the files and directories the manifest lists under
// federation.scenarios (paths relative to the manifest), loaded once at start. A defect in any
// file stops the hub from starting, as a manifest defect does (every manifest key acts or is refused).

/** Scenarios a hub loads at most (a directory of thousands is a mistake, not a configuration). */
export const DEFAULT_MAX_SCENARIOS = 500
const SCENARIO_EXTENSIONS = new Set(['.yaml', '.yml'])

export class ScenarioBook {
  readonly #byName: ReadonlyMap<string, { scenario: Scenario; file: string }>

  constructor(entries: readonly { scenario: Scenario; file: string }[] = []) {
    const byName = new Map<string, { scenario: Scenario; file: string }>()
    for (const entry of entries) {
      const earlier = byName.get(entry.scenario.scenario)
      if (earlier !== undefined) {
        throw new HubError(
          'E_VALIDATION',
          `scenario ${entry.scenario.scenario} is defined twice: ${earlier.file} and ${entry.file}`,
          { details: { scenario: entry.scenario.scenario, files: [earlier.file, entry.file] } },
        )
      }
      byName.set(entry.scenario.scenario, entry)
    }
    this.#byName = byName
  }

  /** Loads each path (a scenario file, or a directory whose *.yaml / *.yml files are scenarios). */
  static async load(
    paths: readonly string[],
    baseDirectory: string,
    options: ScenarioLoadOptions & { maxScenarios?: number } = {},
  ): Promise<ScenarioBook> {
    const maxScenarios = options.maxScenarios ?? DEFAULT_MAX_SCENARIOS
    const files: string[] = []
    for (const path of paths) {
      const absolute = resolve(baseDirectory, path)
      let isDirectory: boolean
      try {
        isDirectory = (await stat(absolute)).isDirectory()
      } catch (cause) {
        throw new HubError(
          'E_IO',
          `federation.scenarios: cannot read ${absolute}: ${(cause as NodeJS.ErrnoException).code ?? cause}`,
          { cause, details: { file: absolute } },
        )
      }
      if (!isDirectory) files.push(absolute)
      else {
        const names = (await readdir(absolute))
          .filter((name) => SCENARIO_EXTENSIONS.has(extname(name)))
          .sort()
        files.push(...names.map((name) => join(absolute, name)))
      }
      if (files.length > maxScenarios) {
        throw new HubError(
          'E_RESOURCE_LIMIT',
          `federation.scenarios lists more than ${maxScenarios} scenario files`,
          {
            details: { maxScenarios },
          },
        )
      }
    }
    const entries = []
    for (const file of files) entries.push({ scenario: await loadScenarioFile(file, options), file })
    return new ScenarioBook(entries)
  }

  get(name: string): Scenario | undefined {
    return this.#byName.get(name)?.scenario
  }

  /** Names and files, sorted by name. */
  list(): { scenario: string; file: string; steps: number }[] {
    return [...this.#byName.values()]
      .map(({ scenario, file }) => ({
        scenario: scenario.scenario,
        file,
        steps: scenario.steps?.length ?? 0,
      }))
      .sort((a, b) => a.scenario.localeCompare(b.scenario))
  }

  get size(): number {
    return this.#byName.size
  }
}
