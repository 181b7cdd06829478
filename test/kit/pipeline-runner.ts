// A PipelineRunner as the kernel's pipeline and chat tests build it: the real catalog's contracts,
// a session registry over the test's state machine, its skills by id, and no metrics.
import { loadCatalog } from '../../src/catalog/index.ts'
import { createContracts, type Envelope, HubError } from '../../src/contracts/index.ts'
import { PipelineRunner } from '../../src/kernel/pipeline/index.ts'
import { type compileStateMachine, SessionRegistry } from '../../src/kernel/sessions/index.ts'
import type { SkillRuntime } from '../../src/skill-api/index.ts'

type RunnerOptions = ConstructorParameters<typeof PipelineRunner>[0]

/** The contracts of the repository's catalog, compiled once for every test file that asks. */
export const kitContracts = createContracts(loadCatalog().document)

export interface KitRunnerOptions extends Partial<Omit<RunnerOptions, 'skills' | 'sessions' | 'publisher'>> {
  machine: ReturnType<typeof compileStateMachine>
  skills: readonly SkillRuntime[]
  publisher: RunnerOptions['publisher']
  beforeEmit?: RunnerOptions['skills']['beforeEmit']
}

export function kitRunner(options: KitRunnerOptions): PipelineRunner {
  const { machine, skills, beforeEmit, ...rest } = options
  return new PipelineRunner({
    contracts: kitContracts,
    metrics: { observe: () => undefined },
    sessions: new SessionRegistry(machine, { now: Date.now, setTimeout, clearTimeout }),
    skills: {
      runtimes: new Map(skills.map((skill) => [skill.id, skill])),
      conditions: {},
      emitterFor: (_skill, emitter) => emitter,
      beforeEmit: beforeEmit ?? (async () => undefined),
    },
    ...rest,
  })
}

/** A publisher that validates each draft as the bus does, then hands the envelope to `keep`. */
export function validatingPublisher(
  keep: (envelope: Envelope) => void = () => undefined,
): RunnerOptions['publisher'] {
  return {
    async publishUntyped(draft) {
      const outcome = kitContracts.validateEnvelope(draft)
      if (!outcome.ok)
        throw new HubError(outcome.error.code, outcome.error.message, { details: outcome.error.details })
      keep(outcome.value)
      return { id: outcome.value.id }
    },
  }
}
