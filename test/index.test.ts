/** The public interface: every module is exported from the package root, and every export is documented (STYLE 10). */
import { assert, describe, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import ts from "typescript"
import * as Index from "../src/index.js"

const src = Path.join(import.meta.dirname, "..", "src")
const modules = Fs.readdirSync(src).filter((name) => name.endsWith(".ts") && name !== "index.ts").map((name) => name.slice(0, -3))

const parse = (name: string) =>
  ts.createSourceFile(name, Fs.readFileSync(Path.join(src, name), "utf8"), ts.ScriptTarget.ES2022, true)

const isExported = (statement: ts.Statement) =>
  ts.isExportDeclaration(statement) ||
  (ts.canHaveModifiers(statement) && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword))

const name = (statement: ts.Statement): string =>
  ts.isVariableStatement(statement)
    ? statement.declarationList.declarations.map((d) => d.name.getText()).join(", ")
    : ts.isExportDeclaration(statement)
    ? statement.getText()
    : ((statement as ts.DeclarationStatement).name?.getText() ?? statement.getText().slice(0, 40))

describe("the package's interface", () => {
  it("every module but the CLI is a namespace of the package root, under its own name", () => {
    const exported = Object.keys(Index).sort()
    assert.deepStrictEqual(exported, modules.filter((m) => m !== "cli").sort())
  })

  it("the module list of index.ts is what it exports", () => {
    const reexports = parse("index.ts").statements.filter(ts.isExportDeclaration).map((s) => s.getText())
    for (const module of modules.filter((m) => m !== "cli")) {
      assert.include(reexports, `export * as ${module} from "./${module}.js"`)
    }
  })

  it("every export of every module has a doc comment", () => {
    const undocumented: Array<string> = []
    for (const module of [...modules, "index"]) {
      const file = parse(`${module}.ts`)
      const first = file.statements[0]
      if (first === undefined || ts.getLeadingCommentRanges(file.text, 0)?.[0] === undefined) {
        undocumented.push(`${module} (module comment)`)
      }
      for (const statement of file.statements) {
        if (!isExported(statement)) continue
        if (ts.getJSDocCommentsAndTags(statement).length === 0 && !hasDocComment(file, statement)) {
          undocumented.push(`${module}.${name(statement)}`)
        }
      }
    }
    assert.deepStrictEqual(undocumented, [])
  })
})

/** `export * as X from` carries no JSDoc node: its doc comment is the block comment right before it. */
const hasDocComment = (file: ts.SourceFile, statement: ts.Statement): boolean =>
  (ts.getLeadingCommentRanges(file.text, statement.getFullStart()) ?? []).some((range) =>
    file.text.slice(range.pos, range.end).startsWith("/**")
  )
