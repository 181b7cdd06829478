// Reads a module's imports and exports with the TypeScript parser (syntax only, no type check):
// comments and strings that look like imports are not mistaken for them, and dynamic import()
// calls and import('x').T types are seen as well as static declarations.
import ts from 'typescript'

/** Every name the importer takes from the module, or ALL_NAMES when it can reach any of them. */
export const ALL_NAMES = '*'

export type ImportKind = 'static' | 'dynamic' | 're-export' | 'type-reference'

export interface ImportRecord {
  specifier: string
  line: number
  kind: ImportKind
  /** Names taken from the module (the exported names, before any `as`). */
  names: string[]
}

export interface ExportedNames {
  /** Names this module exports, listed one by one (declarations and `export { … }`). */
  names: Array<{ name: string; line: number }>
  /** `export * from` and `export type * from` targets: their names are not listed here. */
  starFrom: string[]
}

function lineOf(source: ts.SourceFile, node: ts.Node): number {
  return source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1
}

function literalText(node: ts.Node | undefined): string | undefined {
  if (node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)))
    return node.text
  return undefined
}

function parse(fileName: string, text: string): ts.SourceFile {
  const kind = fileName.endsWith('.tsx')
    ? ts.ScriptKind.TSX
    : /\.m?js$/.test(fileName)
      ? ts.ScriptKind.JS
      : ts.ScriptKind.TS
  return ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, kind)
}

function importedNames(clause: ts.ImportClause | undefined): string[] {
  if (clause === undefined) return []
  const names: string[] = []
  if (clause.name !== undefined) names.push('default')
  const bindings = clause.namedBindings
  if (bindings !== undefined && ts.isNamespaceImport(bindings)) names.push(ALL_NAMES)
  else if (bindings !== undefined) {
    for (const element of bindings.elements) names.push((element.propertyName ?? element.name).text)
  }
  return names
}

/** `const { a, b } = await import('x')` and `(await import('x')).a` name what they take. */
function dynamicImportNames(call: ts.CallExpression): string[] {
  let node: ts.Node = call
  while (ts.isParenthesizedExpression(node.parent) || ts.isAwaitExpression(node.parent)) node = node.parent
  const parent = node.parent
  if (ts.isVariableDeclaration(parent) && ts.isObjectBindingPattern(parent.name)) {
    const names: string[] = []
    for (const element of parent.name.elements) {
      const key = element.propertyName ?? element.name
      if (element.dotDotDotToken !== undefined || !ts.isIdentifier(key)) return [ALL_NAMES]
      names.push(key.text)
    }
    return names
  }
  if (ts.isPropertyAccessExpression(parent) && parent.expression === node) return [parent.name.text]
  return [ALL_NAMES]
}

function leftmostName(name: ts.EntityName): string {
  return ts.isIdentifier(name) ? name.text : leftmostName(name.left)
}

/** Every import of another module by this file, with a literal specifier. */
export function readImports(fileName: string, text: string): ImportRecord[] {
  const source = parse(fileName, text)
  const records: ImportRecord[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const specifier = literalText(node.moduleSpecifier)
      if (specifier !== undefined) {
        records.push({
          specifier,
          line: lineOf(source, node),
          kind: 'static',
          names: importedNames(node.importClause),
        })
      }
      return
    }
    if (ts.isExportDeclaration(node)) {
      const specifier = literalText(node.moduleSpecifier)
      if (specifier !== undefined) {
        const clause = node.exportClause
        const names =
          clause === undefined || ts.isNamespaceExport(clause)
            ? [ALL_NAMES]
            : clause.elements.map((element) => (element.propertyName ?? element.name).text)
        records.push({ specifier, line: lineOf(source, node), kind: 're-export', names })
      }
      return
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const specifier = literalText(node.arguments[0])
      if (specifier !== undefined) {
        records.push({
          specifier,
          line: lineOf(source, node),
          kind: 'dynamic',
          names: dynamicImportNames(node),
        })
      }
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const specifier = literalText(node.argument.literal)
      if (specifier !== undefined) {
        const names = node.qualifier === undefined ? [ALL_NAMES] : [leftmostName(node.qualifier)]
        records.push({ specifier, line: lineOf(source, node), kind: 'type-reference', names })
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return records
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((modifier) => modifier.kind === kind)
}

/** The names a module exports at its top level. */
export function readExports(fileName: string, text: string): ExportedNames {
  const source = parse(fileName, text)
  const result: ExportedNames = { names: [], starFrom: [] }
  const add = (name: string, node: ts.Node): void => {
    result.names.push({ name, line: lineOf(source, node) })
  }
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      const clause = statement.exportClause
      const specifier = literalText(statement.moduleSpecifier)
      if (clause === undefined) {
        if (specifier !== undefined) result.starFrom.push(specifier)
      } else if (ts.isNamespaceExport(clause)) add(clause.name.text, statement)
      else for (const element of clause.elements) add(element.name.text, element)
    } else if (ts.isExportAssignment(statement)) {
      add('default', statement)
    } else if (hasModifier(statement, ts.SyntaxKind.ExportKeyword)) {
      if (hasModifier(statement, ts.SyntaxKind.DefaultKeyword)) add('default', statement)
      else if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          if (ts.isIdentifier(declaration.name)) add(declaration.name.text, declaration)
        }
      } else if (
        (ts.isFunctionDeclaration(statement) ||
          ts.isClassDeclaration(statement) ||
          ts.isInterfaceDeclaration(statement) ||
          ts.isTypeAliasDeclaration(statement) ||
          ts.isEnumDeclaration(statement)) &&
        statement.name !== undefined
      ) {
        add(statement.name.text, statement)
      }
    }
  }
  return result
}
