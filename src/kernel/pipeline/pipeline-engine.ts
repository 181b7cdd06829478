import { type Context, SpanStatusCode, type Tracer } from '@opentelemetry/api'
import type { Envelope, PayloadOf } from '../../contracts/index.ts'
import { HubError, toHubError } from '../../contracts/index.ts'
import { type Branch, type Pipeline, type PipelineStep, stepKind } from '../../manifest/index.ts'
import {
  AnswerStream,
  attachAnswerStream,
  type Condition,
  type MetricsSink,
  type RunEmitter,
  type RunPart,
  type RunState,
  type SkillRuntime,
} from '../../skill-api/index.ts'
import type { TurnEmitter } from './turn-emitter.ts'
import { ownPayloadForEmit, preparedPayloadForEmit } from './turn-payloads.ts'

export interface PipelineRunOptions {
  pipeline: Pipeline
  run: RunState
  emitter: TurnEmitter
  skills: ReadonlyMap<string, SkillRuntime>
  /** The run's emitter as one skill sees it (only its `provides`); the kernel's own when absent. */
  emitterFor?: (skillId: string) => RunEmitter
  conditions: Readonly<Record<string, Condition>>
  metrics: MetricsSink
  signal: AbortSignal
  onPart: (part: RunPart) => void
  /** Waits for the next event of a type (pattern) delivered to this run (recv steps). */
  receive?: (pattern: string, signal: AbortSignal) => Promise<Envelope>
  /** Steps already done by the trigger (a bus event satisfies the first recv step). */
  startAt?: number
  /** OpenTelemetry tracer and the turn's span context: each step becomes a child span. */
  tracing?: { tracer: Tracer; parent: Context }
  /** Runs before an emit step publishes (the memory write happens before turn.end this way). */
  beforeEmit?: (type: string) => Promise<void>
  now: () => number
}

/** Runs the steps in order; a step that fails ends the run by throwing a HubError. */
export async function runPipeline(options: PipelineRunOptions): Promise<void> {
  await runSteps(options, options.pipeline.steps, '', options.startAt ?? 0)
}

async function runSteps(
  options: PipelineRunOptions,
  steps: readonly PipelineStep[],
  prefix: string,
  startAt = 0,
): Promise<void> {
  for (let index = startAt; index < steps.length; index++) {
    const step = steps[index]!
    if (options.signal.aborted)
      throw new HubError('E_TIMEOUT', 'the turn was cancelled', { details: { reason: 'aborted' } })
    const next = steps[index + 1]
    if (next !== undefined && readsWhileWritten(options, step, next)) {
      await runSideBySide(options, [step, next], [`${prefix}${index}`, `${prefix}${index + 1}`])
      index++
    } else await runStep(options, step, `${prefix}${index}`)
  }
}

/** A `stream: true` call step followed by a `stream: true` call to a skill that reads its text as it comes. */
function readsWhileWritten(options: PipelineRunOptions, step: PipelineStep, next: PipelineStep): boolean {
  return (
    'call' in step &&
    step.stream === true &&
    'call' in next &&
    next.stream === true &&
    options.skills.get(next.call)?.readsAnswerStream === true
  )
}

/**
 * Runs a writer step and its reader together (decision 1509): the writer's `chunk` parts fill an
 * AnswerStream the reader takes from `answerStreamOf(run)`. When one fails, the other is cancelled
 * and the first failure is the step's; the next step starts when both have ended.
 */
async function runSideBySide(
  options: PipelineRunOptions,
  [writer, reader]: [PipelineStep, PipelineStep],
  [writerPosition, readerPosition]: [string, string],
): Promise<void> {
  const stream = new AnswerStream()
  const together = new AbortController()
  const forward = () => together.abort(options.signal.reason)
  if (options.signal.aborted) forward()
  else options.signal.addEventListener('abort', forward, { once: true })
  let failure: { error: unknown } | undefined
  const failed = (error: unknown) => {
    failure ??= { error }
    stream.fail(error)
    together.abort(error)
  }
  const shared = { ...options, signal: together.signal }
  attachAnswerStream(options.run, stream)
  try {
    const onPart = (part: RunPart) => {
      if (part.kind === 'chunk') stream.push(part.text)
      options.onPart(part)
    }
    await Promise.all([
      runStep({ ...shared, onPart }, writer, writerPosition).then(
        () => stream.end(options.run.answer),
        failed,
      ),
      runStep(shared, reader, readerPosition).catch(failed),
    ])
  } finally {
    options.signal.removeEventListener('abort', forward)
    attachAnswerStream(options.run, undefined)
  }
  if (failure !== undefined) throw failure.error
}

function describeStep(step: PipelineStep): { kind: string; target: string } {
  const kind = stepKind(step)
  if ('emit' in step) return { kind, target: step.emit }
  if ('call' in step) return { kind, target: step.call }
  if ('recv' in step) return { kind, target: step.recv }
  return { kind, target: step.if }
}

/** What every pipeline.status of one step at one position says, worked out once per step. */
interface StepLabel {
  kind: string
  target: string
  /** `<position> <kind>:<target>` ("2", or "3.0" inside an if branch). */
  step: string
  stepIndex: number
}

// A manifest's steps are the same objects turn after turn: their labels are made once (decision
// 1785) instead of a description, a template string and a parse per step per turn.
const labelsByStep = new WeakMap<PipelineStep, Map<string, StepLabel>>()

function labelOf(step: PipelineStep, position: string): StepLabel {
  let byPosition = labelsByStep.get(step)
  if (byPosition === undefined) {
    byPosition = new Map()
    labelsByStep.set(step, byPosition)
  }
  let label = byPosition.get(position)
  if (label === undefined) {
    const { kind, target } = describeStep(step)
    label = { kind, target, step: `${position} ${kind}:${target}`, stepIndex: Number.parseInt(position, 10) }
    byPosition.set(position, label)
  }
  return label
}

type StepState = PayloadOf<'pipeline.status'>['state']

/** One pipeline.status payload of a step: a new object per event (the log keeps each). */
function statusOf(
  pipelineId: string,
  label: StepLabel,
  skill: string | undefined,
  state: StepState,
): PayloadOf<'pipeline.status'> {
  // The keys in the order the log has always had them.
  return skill === undefined
    ? { pipelineId, step: label.step, stepIndex: label.stepIndex, state }
    : { pipelineId, step: label.step, stepIndex: label.stepIndex, skill, state }
}

async function runStep(options: PipelineRunOptions, step: PipelineStep, position: string): Promise<void> {
  const { emitter, pipeline, now } = options
  const label = labelOf(step, position)
  const { kind, target } = label
  const skillId = 'call' in step ? step.call : undefined
  if ('call' in step) {
    const skill = options.skills.get(step.call)
    const status = skill?.status() ?? { state: 'unavailable' as const, reason: 'not declared or not loaded' }
    if (skill === undefined || status.state === 'unavailable' || status.state === 'failed') {
      if (step.optional === true) {
        await emitter.emitOwn('pipeline.status', statusOf(pipeline.id, label, skillId, 'skipped'))
        await emitter.emitOwn(
          'pipeline.step.skipped',
          {
            pipelineId: pipeline.id,
            step: label.step,
            skill: step.call,
            reason: 'unavailable',
            message: `optional skill ${step.call} is ${status.state}${status.reason ? `: ${status.reason}` : ''}`,
          },
          { severity: 'warn' },
        )
        return
      }
      throw new HubError(
        'E_DEPENDENCY_UNAVAILABLE',
        `skill ${step.call} is ${status.state}: ${status.reason ?? ''}`.trim(),
        {
          details: { skill: step.call, step: position },
        },
      )
    }
  }
  const started = now()
  const span = options.tracing?.tracer.startSpan(
    `pipeline.step ${kind}:${target}`,
    {
      attributes: {
        'localhub.pipeline': pipeline.id,
        'localhub.step': label.step,
        'localhub.trace_id': options.run.traceId,
        'localhub.session_id': options.run.sessionId,
      },
    },
    options.tracing.parent,
  )
  await emitter.emitOwn('pipeline.status', statusOf(pipeline.id, label, skillId, 'start'))
  try {
    if ('emit' in step) {
      await options.beforeEmit?.(step.emit)
      const own = ownPayloadForEmit(step.emit, options.run, now())
      if (own !== undefined) await emitter.emitOwn(own.type, own.payload)
      // Another type carries what a skill prepared: checked at once, as a skill's own emit is.
      else await emitter.emitUntyped(step.emit, preparedPayloadForEmit(step.emit, options.run))
    } else if ('call' in step) {
      const skill = options.skills.get(step.call)!
      await skill.invoke({
        run: options.run,
        step,
        pipeline,
        emitter: options.emitterFor?.(step.call) ?? emitter,
        signal: options.signal,
        metrics: options.metrics,
        onPart: options.onPart,
      })
    } else if ('recv' in step) {
      if (options.receive === undefined) {
        throw new HubError(
          'E_BAD_REQUEST',
          `pipeline ${pipeline.id} waits for ${step.recv}, which this entry point cannot deliver`,
        )
      }
      const event = await options.receive(step.recv, options.signal)
      options.run.received.push(event)
      options.run.signal = event
    } else {
      const condition = options.conditions[step.if]
      if (condition === undefined)
        throw new HubError('E_VALIDATION', `unknown condition ${step.if} in pipeline ${pipeline.id}`)
      const branch = (await condition(options.run)) ? step.then : step.else
      if (branch !== undefined) await runBranch(options, branch, `${position}.`)
    }
  } catch (error) {
    const failure = toHubError(error)
    span?.setStatus({ code: SpanStatusCode.ERROR, message: `${failure.code}: ${failure.message}` })
    span?.end()
    const failed = statusOf(pipeline.id, label, skillId, 'error')
    failed.durationMs = now() - started
    failed.errorCode = failure.code
    await emitter.emitOwn('pipeline.status', failed, { severity: 'error' })
    // An optional skill that went away during its call (its host crashed): the turn goes on without it.
    if ('call' in step && step.optional === true && failure.code === 'E_DEPENDENCY_UNAVAILABLE') {
      await emitter.emitOwn(
        'pipeline.step.skipped',
        {
          pipelineId: pipeline.id,
          step: label.step,
          skill: step.call,
          reason: 'unavailable',
          message: `optional skill ${step.call} failed during its call: ${failure.message}`.slice(0, 1000),
        },
        { severity: 'warn' },
      )
      return
    }
    throw failure
  }
  span?.end()
  const done = statusOf(pipeline.id, label, skillId, 'done')
  done.durationMs = now() - started
  await emitter.emitOwn('pipeline.status', done)
}

async function runBranch(options: PipelineRunOptions, branch: Branch, prefix: string): Promise<void> {
  if (typeof branch !== 'string') return runSteps(options, branch, prefix)
  const colon = branch.indexOf(':')
  const verb = branch.slice(0, colon)
  const target = branch.slice(colon + 1)
  const step: PipelineStep | undefined =
    verb === 'emit' ? { emit: target } : verb === 'call' ? { call: target } : undefined
  if (step === undefined)
    throw new HubError('E_VALIDATION', `branch ${branch} must be emit:<type> or call:<skill>`)
  await runStep(options, step, `${prefix}0`)
}
