// Python spellings: field names that are keywords, private (leading underscore) or shadow a
// BaseModel attribute are renamed and keep the JSON name as a pydantic alias.

const PYTHON_KEYWORDS = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
])

// Attributes of pydantic's BaseModel (v1 compatibility names included) a field must not shadow.
const BASE_MODEL_ATTRIBUTES = new Set([
  'construct',
  'copy',
  'dict',
  'from_orm',
  'json',
  'parse_file',
  'parse_obj',
  'parse_raw',
  'schema',
  'schema_json',
  'update_forward_refs',
  'validate',
])

export interface PythonField {
  /** The attribute name in Python. */
  attribute: string
  /** The JSON name when it differs from the attribute. */
  alias?: string
}

function needsRename(name: string, reserved: ReadonlySet<string>): boolean {
  return (
    !/^[A-Za-z][A-Za-z0-9_]*$/.test(name) ||
    PYTHON_KEYWORDS.has(name) ||
    BASE_MODEL_ATTRIBUTES.has(name) ||
    name.startsWith('model_') ||
    reserved.has(name)
  )
}

/**
 * Maps JSON property names of one object to unique Python attributes. `reserved` holds names
 * that would shadow module-level names inside a class body (imports, generated classes).
 */
export function pythonFields(names: readonly string[], reserved: ReadonlySet<string>): PythonField[] {
  const taken = new Set(names.filter((name) => !needsRename(name, reserved)))
  return names.map((name) => {
    if (!needsRename(name, reserved)) return { attribute: name }
    let attribute = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^_+/, '')
    if (attribute === '') attribute = 'field'
    if (/^[0-9]/.test(attribute)) attribute = `field_${attribute}`
    if (needsRename(attribute, reserved) || taken.has(attribute)) attribute = `${attribute}_`
    while (taken.has(attribute) || reserved.has(attribute)) attribute = `${attribute}_`
    taken.add(attribute)
    return { attribute, alias: name }
  })
}

/** A Python string literal (JSON's escapes are all valid Python escapes). */
export function pythonString(text: string): string {
  return JSON.stringify(text)
}

/** A JSON value as a Python literal (True/False/None), for Literal[...] and defaults. */
export function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'None'
  if (value === true) return 'True'
  if (value === false) return 'False'
  if (typeof value === 'string') return pythonString(value)
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'None'
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(', ')}]`
  if (typeof value === 'object') {
    const pairs = Object.entries(value as Record<string, unknown>).map(
      ([key, item]) => `${pythonString(key)}: ${pythonLiteral(item)}`,
    )
    return `{${pairs.join(', ')}}`
  }
  return 'None'
}

/** A docstring body: backslashes and triple quotes escaped. */
export function pythonDocstring(text: string, indent: string): string[] {
  const escaped = text.replaceAll('\\', '\\\\').replaceAll('"""', '\\"\\"\\"')
  const lines = escaped.split(/\r?\n/).map((line) => line.trimEnd())
  if (lines.length === 1) return [`${indent}"""${lines[0]}${lines[0]!.endsWith('"') ? ' ' : ''}"""`]
  return [
    `${indent}"""${lines[0]}`,
    ...lines.slice(1).map((line) => (line === '' ? '' : `${indent}${line}`)),
    `${indent}"""`,
  ]
}
