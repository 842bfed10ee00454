import { assert, describe, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Ts from "typescript"

/**
 * STYLE: no function in `src/` over ~120 lines. A function that long holds several concepts, and
 * each deserves a name (and usually a module under `src/internal/`).
 */
const MAX_LINES = 120

const root = Path.join(import.meta.dirname, "..")

/** Files exempt as a whole: the connection's state machine is the documented exception. */
const exemptFiles: ReadonlySet<string> = new Set(["src/Connection.ts"])

/**
 * Functions still over the limit, by file and label (see {@link label}), each to be split by
 * whoever owns it. An entry that no longer exceeds the limit fails the test: remove it.
 */
const exemptFunctions: ReadonlyArray<readonly [file: string, label: string]> = []

interface Measured {
  readonly file: string
  readonly line: number
  readonly label: string
  readonly lines: number
}

const sourceFiles = (dir: string): Array<string> =>
  Fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = Path.join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.isFile() && entry.name.endsWith(".ts") ? [path] : []
  })

/** A function's own name (variable, property, method or declaration), if it has one. */
const ownName = (node: Ts.SignatureDeclaration): string | undefined => {
  if (node.name !== undefined) return node.name.getText()
  const parent = node.parent
  if ((Ts.isVariableDeclaration(parent) || Ts.isPropertyAssignment(parent) || Ts.isPropertyDeclaration(parent)) && parent.initializer === node) {
    return parent.name.getText()
  }
  return undefined
}

/** The function's name, or `<enclosing label>/<anonymous>` for an unnamed one (`make/<anonymous>` for `make`'s `Effect.gen` body). */
const label = (node: Ts.SignatureDeclaration, enclosing: string): string => ownName(node) ?? `${enclosing}/<anonymous>`

/** Every function with a body in the file (declarations, methods, accessors, arrows, function expressions), with its length in lines. */
const measure = (file: string): Array<Measured> => {
  const relative = Path.relative(root, file).split(Path.sep).join("/")
  const source = Ts.createSourceFile(file, Fs.readFileSync(file, "utf8"), Ts.ScriptTarget.Latest, true)
  const found: Array<Measured> = []
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line + 1
  const visit = (node: Ts.Node, enclosing: string): void => {
    let inner = enclosing
    if (Ts.isFunctionLike(node) && "body" in node && node.body !== undefined) {
      inner = label(node, enclosing)
      // From the first token (leading comments excluded) to the closing brace, both lines counted.
      const line = lineOf(node.getStart(source))
      found.push({ file: relative, line, label: inner, lines: lineOf(node.getEnd()) - line + 1 })
    }
    Ts.forEachChild(node, (child) => visit(child, inner))
  }
  visit(source, "<module>")
  return found
}

const all = sourceFiles(Path.join(root, "src")).flatMap(measure)
const isExempt = (m: Measured) => exemptFunctions.some(([file, name]) => file === m.file && name === m.label)
const show = (m: Measured) => `${m.file}:${m.line} ${m.label} (${m.lines} lines)`

describe("source shape", () => {
  it("finds the functions of src/", () => {
    assert.isAbove(all.length, 100)
    assert.isTrue(all.some((m) => m.file === "src/CgiHandler.ts" && m.label === "make"))
  })

  it(`no function in src/ is longer than ${MAX_LINES} lines`, () => {
    const long = all.filter((m) => m.lines > MAX_LINES && !exemptFiles.has(m.file) && !isExempt(m))
    assert.deepStrictEqual(long.map(show), [])
  })

  it("every exempt function is still over the limit (else its exemption goes)", () => {
    const stale = exemptFunctions.filter(([file, name]) =>
      !all.some((m) => m.file === file && m.label === name && m.lines > MAX_LINES)
    )
    assert.deepStrictEqual(stale, [])
  })
})
