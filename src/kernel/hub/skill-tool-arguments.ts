import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import { HubError } from '../../contracts/index.ts'

/** Compiled input schemas kept per skill tool (a host that restarts with a new schema gets a new entry). */
const DEFAULT_MAX_COMPILED_SCHEMAS = 256

/**
 * Checks a model's (or an API caller's) arguments against the input schema the skill's host
 * declared, before anything reaches the host: E_VALIDATION with the JSON pointer, what the schema
 * expected and what was there. A schema that does not compile refuses the call too (the host's bug,
 * said plainly), rather than passing unchecked arguments.
 */
/** The value at a JSON pointer (`/a/0/b`) of the arguments, for the `got` of an issue. */
function valueAt(root: unknown, pointer: string): unknown {
  let value = root
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined
  }
  return value
}

export function createArgumentChecker(maxCompiled = DEFAULT_MAX_COMPILED_SCHEMAS) {
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateSchema: true })
  const compiled = new Map<string, ValidateFunction | Error>()

  function validatorOf(key: string, schema: Readonly<Record<string, unknown>>): ValidateFunction | Error {
    let found = compiled.get(key)
    if (found === undefined) {
      try {
        found = ajv.compile({ ...schema })
      } catch (error) {
        found = error as Error
      }
      if (compiled.size >= maxCompiled) compiled.delete(compiled.keys().next().value!)
      compiled.set(key, found)
    }
    return found
  }

  return function check(
    skillId: string,
    toolId: string,
    schema: Readonly<Record<string, unknown>>,
    args: Record<string, unknown>,
  ): void {
    const validator = validatorOf(`${skillId}\n${toolId}\n${JSON.stringify(schema)}`, schema)
    if (validator instanceof Error)
      throw new HubError(
        'E_VALIDATION',
        `skill ${skillId} declared an input schema for ${toolId} that does not compile: ${validator.message}`,
        {
          details: {
            issues: [
              { path: '', expected: 'a JSON Schema', got: 'an invalid schema', message: validator.message },
            ],
          },
        },
      )
    if (validator(args)) return
    const error = validator.errors?.[0]
    const path = error?.instancePath ?? ''
    const expected =
      error === undefined ? 'valid arguments' : `${error.keyword}: ${error.message ?? ''}`.trim()
    throw new HubError(
      'E_VALIDATION',
      `arguments of ${toolId} (skill ${skillId}) at "${path}": ${error?.message ?? 'invalid'}`,
      {
        details: {
          issues: [
            {
              path,
              expected,
              got: (JSON.stringify(valueAt(args, path)) ?? 'undefined').slice(0, 200),
              message: error?.message ?? 'invalid',
            },
          ],
        },
      },
    )
  }
}
