/**
 * Test support: the package as users get it. Packs and builds it in a temporary directory (never in
 * this repository's `dist/`, which other tests and other people's builds use), and runs programs
 * against it as separate Node processes.
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

/** This repository. */
export const root = fileURLToPath(new URL("../..", import.meta.url))

/** The TypeScript compiler of this repository. */
export const tscPath = Path.join(root, "node_modules", "typescript", "bin", "tsc")

/** How a finished process ended and what it wrote. */
export interface Finished {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command to completion (killed after `timeoutMs`), without a shell. */
export const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly timeoutMs?: number | undefined; readonly env?: NodeJS.ProcessEnv | undefined }
): Promise<Finished> =>
  new Promise((resolve) => {
    ChildProcess.execFile(
      command,
      args,
      { cwd: options.cwd, timeout: options.timeoutMs ?? 60_000, env: options.env ?? process.env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const failure = error as (ChildProcess.ExecFileException & { signal?: NodeJS.Signals | null }) | null
        resolve({
          code: failure === null ? 0 : typeof failure.code === "number" ? failure.code : null,
          signal: failure?.signal ?? null,
          stdout,
          stderr
        })
      }
    )
  })

/** A fresh temporary directory. */
export const tempDir = (prefix: string): string => Fs.mkdtempSync(Path.join(Os.tmpdir(), prefix))

/** What `npm pack --json` reports of a tarball. */
export interface Packed {
  readonly filename: string
  readonly files: ReadonlyArray<{ readonly path: string }>
}

/**
 * `npm pack` as a release would run it, in a clean copy of the sources under `dir/source` (this
 * repository's `dist/` may be stale and is shared with other tests): `prepare` runs `npm run build`,
 * so the tarball holds exactly what the build script makes. The tarball is written to `dir`.
 */
export const pack = async (dir: string): Promise<Packed> => {
  const source = Path.join(dir, "source")
  Fs.mkdirSync(source, { recursive: true })
  for (const file of ["package.json", "README.md", "tsconfig.json", "tsconfig.build.json"]) {
    Fs.copyFileSync(Path.join(root, file), Path.join(source, file))
  }
  Fs.cpSync(Path.join(root, "src"), Path.join(source, "src"), { recursive: true })
  Fs.symlinkSync(Path.join(root, "node_modules"), Path.join(source, "node_modules"), "dir")
  const result = await run("npm", ["pack", "--json", "--pack-destination", dir], { cwd: source, timeoutMs: 180_000 })
  if (result.code !== 0) throw new Error(`npm pack failed:\n${result.stdout}${result.stderr}`)
  // The build's own output may precede the JSON on stdout.
  return JSON.parse(result.stdout.slice(result.stdout.indexOf("[")))[0]
}

/** Makes every package installed in this repository resolvable from `<dir>/node_modules`, by symbolic links. */
export const linkDependencies = (dir: string): void => {
  const modules = Path.join(dir, "node_modules")
  Fs.mkdirSync(modules, { recursive: true })
  for (const name of Fs.readdirSync(Path.join(root, "node_modules"))) {
    if (name.startsWith(".") || name === "effect-httpd") continue
    const target = Path.join(modules, name)
    if (!Fs.existsSync(target)) Fs.symlinkSync(Path.join(root, "node_modules", name), target, "dir")
  }
}

/** The compiler options of this repository, for user code compiled outside it. */
export const compilerOptions = (): Record<string, unknown> => {
  const { compilerOptions } = JSON.parse(Fs.readFileSync(Path.join(root, "tsconfig.json"), "utf8")) as {
    readonly compilerOptions: Record<string, unknown>
  }
  const { declaration: _declaration, outDir: _outDir, rootDir: _rootDir, ...rest } = compilerOptions
  return rest
}
