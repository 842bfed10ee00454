/**
 * Test support: the package as users get it. Builds `src/` into a temporary directory (never into
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

/** Runs the TypeScript compiler of this repository; fails with its output unless it succeeds. */
export const tsc = async (args: ReadonlyArray<string>, cwd: string): Promise<void> => {
  const result = await run(process.execPath, [tscPath, ...args], { cwd, timeoutMs: 120_000 })
  if (result.code !== 0) throw new Error(`tsc ${args.join(" ")} failed:\n${result.stdout}${result.stderr}`)
}

/** A fresh temporary directory. */
export const tempDir = (prefix: string): string => Fs.mkdtempSync(Path.join(Os.tmpdir(), prefix))

/**
 * Lays out the package as `npm pack` would take it: `package.json`, `README.md` and `dist/` built
 * from `src/` by `tsconfig.build.json`. Type errors in `src/` are the type check's to report (tsc
 * still emits), so only a missing output fails here, as in `cliProcess.ensureBuilt`.
 */
export const buildPackage = async (dir: string): Promise<void> => {
  Fs.mkdirSync(dir, { recursive: true })
  const dist = Path.join(dir, "dist")
  const result = await run(process.execPath, [tscPath, "-p", "tsconfig.build.json", "--outDir", dist], { cwd: root, timeoutMs: 120_000 })
  for (const file of ["index.js", "index.d.ts"]) {
    if (!Fs.existsSync(Path.join(dist, file))) throw new Error(`building the package failed:\n${result.stdout}${result.stderr}`)
  }
  for (const file of ["package.json", "README.md"]) Fs.copyFileSync(Path.join(root, file), Path.join(dir, file))
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
