import type { CatalogModels } from './catalog-models.ts'
import { generatedNotice } from './generated-header.ts'
import { pythonDocstring, pythonFields, pythonLiteral, pythonString } from './python-names.ts'
import { type Constraints, isNullable, type NamedModel, type TypeNode } from './schema-model.ts'
import { RESERVED_TYPE_NAMES } from './type-names.ts'

const NOTICE = generatedNotice('src/catalog/generate-python.ts')

// JSON Schema keyword -> pydantic Field argument.
const FIELD_ARGUMENTS: Record<string, string> = {
  minLength: 'min_length',
  maxLength: 'max_length',
  pattern: 'pattern',
  minimum: 'ge',
  maximum: 'le',
  exclusiveMinimum: 'gt',
  exclusiveMaximum: 'lt',
  multipleOf: 'multiple_of',
  minItems: 'min_length',
  maxItems: 'max_length',
}

// pydantic does not check JSON Schema formats on plain strings; these patterns approximate the
// common ones (an explicit pattern in the schema wins).
const FORMAT_PATTERNS: Record<string, string> = {
  'date-time':
    '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$',
  date: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
  uri: '^[A-Za-z][A-Za-z0-9+.-]*:[^\\s]*$',
  uuid: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
}

function fieldArguments(given: Constraints): string[] {
  const formatPattern = given.format === undefined ? undefined : FORMAT_PATTERNS[given.format]
  const constraints =
    given.pattern === undefined && formatPattern ? { ...given, pattern: formatPattern } : given
  return Object.entries(constraints)
    .filter(([key]) => key in FIELD_ARGUMENTS)
    .map(
      ([key, value]) =>
        `${FIELD_ARGUMENTS[key]}=${typeof value === 'string' ? pythonString(value) : String(value)}`,
    )
}

function annotated(base: string, constraints: Constraints): string {
  const args = fieldArguments(constraints)
  return args.length === 0 ? base : `Annotated[${base}, Field(${args.join(', ')})]`
}

const PRIMITIVE_TYPES = {
  string: 'StrictStr',
  number: 'StrictFloat',
  integer: 'StrictInt',
  boolean: 'StrictBool',
}

/** Renders a type; names not yet defined are quoted (forward references) and reported. */
function renderType(type: TypeNode, defined: ReadonlySet<string>, forward: Set<string>): string {
  switch (type.kind) {
    case 'any':
    case 'never':
      return 'Any'
    case 'primitive':
      return type.type === 'null' ? 'None' : annotated(PRIMITIVE_TYPES[type.type], type.constraints)
    case 'literal':
      return `Literal[${type.values.map(pythonLiteral).join(', ')}]`
    case 'array':
      return annotated(`List[${renderType(type.items, defined, forward)}]`, type.constraints)
    case 'map':
      return `Dict[str, ${renderType(type.values, defined, forward)}]`
    case 'ref':
      if (defined.has(type.name)) return type.name
      forward.add(type.name)
      return pythonString(type.name)
    case 'union': {
      const others = type.variants.filter(
        (variant) => !(variant.kind === 'primitive' && variant.type === 'null'),
      )
      const rendered = others.map((variant) => renderType(variant, defined, forward))
      const inner = rendered.length === 1 ? rendered[0]! : `Union[${rendered.join(', ')}]`
      return others.length < type.variants.length ? `Optional[${inner}]` : inner
    }
  }
}

function renderModel(
  model: NamedModel,
  defined: Set<string>,
  forward: Set<string>,
  reserved: ReadonlySet<string>,
) {
  const lines: string[] = []
  const doc = model.description ? pythonDocstring(model.description, '    ') : []
  if (model.shape === 'alias') {
    lines.push(`class ${model.name}(RootModel[${renderType(model.type, defined, forward)}]):`, ...doc)
    if (doc.length === 0) lines.push('    pass')
    defined.add(model.name)
    return lines
  }
  lines.push(`class ${model.name}(CatalogModel):`, ...doc)
  const extra = model.additional === 'forbid' ? 'forbid' : 'allow'
  lines.push(`    model_config = ConfigDict(extra=${pythonString(extra)})`)
  const fields = pythonFields(
    model.properties.map((property) => property.name),
    reserved,
  )
  model.properties.forEach((property, index) => {
    const field = fields[index]!
    let type = renderType(property.type, defined, forward)
    const args: string[] = []
    if (!property.required) {
      if (!isNullable(property.type)) type = `Optional[${type}]`
      args.push('default=None')
    }
    if (field.alias !== undefined) args.push(`alias=${pythonString(field.alias)}`)
    if (property.description) args.push(`description=${pythonString(property.description)}`)
    if (property.redact) args.push(`json_schema_extra={"x-redact": ${pythonString(property.redact)}}`)
    lines.push(`    ${field.attribute}: ${type}${args.length > 0 ? ` = Field(${args.join(', ')})` : ''}`)
  })
  defined.add(model.name)
  return lines
}

/** python/localhub_events/models.py: Pydantic v2 models of the envelope and every payload. */
export function generatePythonModels(models: CatalogModels, catalogVersion: string): string {
  const allModels = [
    ...models.envelope.models,
    ...models.entries.flatMap((item) => item.model.models),
    ...models.guardrailSummary.models,
    ...models.entries.flatMap((item) => item.stored.models),
  ]
  const reserved = new Set([...RESERVED_TYPE_NAMES, ...allModels.map((model) => model.name)])
  const defined = new Set<string>()
  const forward = new Set<string>()
  const body = allModels.flatMap((model) => [...renderModel(model, defined, forward, reserved), '', ''])
  const exported = [
    'CATALOG_VERSION',
    'CatalogModel',
    'LATEST_VERSIONS',
    'STORED_TYPE_MAP',
    'TYPE_MAP',
    'payload_model',
  ]
  exported.push(...allModels.map((model) => model.name))
  return [
    `# ${NOTICE}`,
    '"""Pydantic v2 models of the Local Hub event catalog: the envelope and every payload type."""',
    '',
    'from typing import Annotated, Any, Dict, List, Literal, Optional, Type, Union',
    '',
    'from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictBool, StrictFloat, StrictInt, StrictStr',
    '',
    `CATALOG_VERSION = ${pythonString(catalogVersion)}`,
    '',
    '',
    'class CatalogModel(BaseModel):',
    '    """Base of the generated models: JSON names accepted, ECMA-style patterns, no model_ namespace."""',
    '',
    '    model_config = ConfigDict(populate_by_name=True, protected_namespaces=(), regex_engine="python-re")',
    '',
    '',
    ...body,
    ...[...forward].sort().map((name) => `${name}.model_rebuild()`),
    ...(forward.size > 0 ? ['', ''] : []),
    '# Payload model of every "type@version".',
    'TYPE_MAP: Dict[str, Type[BaseModel]] = {',
    ...models.entries.map((item) => `    ${pythonString(item.key)}: ${item.model.rootName},`),
    '}',
    '',
    '# Stored-form payload model of every "type@version": what the log and /ws/events carry.',
    'STORED_TYPE_MAP: Dict[str, Type[BaseModel]] = {',
    ...models.entries.map((item) => `    ${pythonString(item.key)}: ${item.stored.rootName},`),
    '}',
    '',
    '# Highest version of every type.',
    'LATEST_VERSIONS: Dict[str, int] = {',
    ...models.entries
      .filter((item) => item.latest)
      .map((item) => `    ${pythonString(item.entry.type)}: ${item.entry.version},`),
    '}',
    '',
    '',
    'def payload_model(event_type: str, version: Optional[int] = None, stored: bool = False) -> Type[BaseModel]:',
    '    """The model of event_type at version (default: its latest); KeyError when unknown.',
    '',
    '    stored=False gives the in-flight payload (what a producer publishes); stored=True gives the',
    '    stored form that GET /events, /ws/events and exports carry (guardrails applied: hashed fields',
    '    as <field>_sha256 + <field>_len, dropped fields gone, an optional _guardrails summary).',
    '    """',
    '    chosen = LATEST_VERSIONS[event_type] if version is None else version',
    '    return (STORED_TYPE_MAP if stored else TYPE_MAP)[f"{event_type}@{chosen}"]',
    '',
    '',
    '__all__ = [',
    ...exported.sort().map((name) => `    ${pythonString(name)},`),
    ']',
    '',
  ].join('\n')
}

/** python/localhub_events/__init__.py */
export function generatePythonInit(): string {
  return [
    `# ${NOTICE}`,
    '"""Local Hub event catalog for Python: Pydantic v2 models generated from catalog/."""',
    '',
    'from .models import *  # noqa: F401,F403',
    'from .models import __all__  # noqa: F401',
    '',
  ].join('\n')
}

/** python/pyproject.toml, so the package installs with `pip install ./python`. */
export function generatePythonProject(catalogVersion: string): string {
  return [
    `# ${NOTICE}`,
    '[project]',
    'name = "localhub-events"',
    `version = ${pythonString(catalogVersion)}`,
    'description = "Pydantic v2 models of the Local Hub event catalog, and a stdlib client of the hub (localhub_client)"',
    'requires-python = ">=3.9"',
    'dependencies = ["pydantic>=2.5"]',
    '',
    '[build-system]',
    'requires = ["setuptools>=61"]',
    'build-backend = "setuptools.build_meta"',
    '',
    '[tool.setuptools]',
    // localhub_client (docs/clients.md) and localhub_skill (docs/python-skills.md) are written by
    // hand; they ship in the same distribution.
    'packages = ["localhub_events", "localhub_client", "localhub_skill"]',
    '',
  ].join('\n')
}
