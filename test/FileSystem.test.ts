import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as ChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as Os from "node:os"
import * as NodePath from "node:path"
import * as FileSystem from "../src/FileSystem.js"
import * as PyText from "../src/internal/PyText.js"

// A name that is not UTF-8: os.fsdecode gives "\udce7w\udcf0".
const RAW_NAME = Buffer.from([0xe7, 0x77, 0xf0])

/** The same tree on disk and in memory: `<base>/root` is what a server would serve, `<base>/outside` is not. */
interface Fixture {
  readonly fs: FileSystem.Service
  readonly base: string
}

const path = (fixture: Fixture, ...parts: ReadonlyArray<string | Uint8Array>): Uint8Array =>
  Buffer.concat([Buffer.from(fixture.base), ...parts.flatMap((part) => [Buffer.from("/"), Buffer.from(part)])])

const text = (bytes: Uint8Array): string => PyText.fsDecode(bytes)

const errorCode = <A, R>(effect: Effect.Effect<A, FileSystem.FileSystemError, R>) =>
  Effect.map(Effect.flip(effect), (error) => error.code)

const readAll = (file: FileSystem.File, chunk = 4) =>
  Effect.gen(function*() {
    const parts: Array<Uint8Array> = []
    let position = 0
    while (true) {
      const buffer = new Uint8Array(chunk)
      const n = yield* file.read(buffer, position)
      if (n === 0) break
      parts.push(buffer.subarray(0, n))
      position += n
    }
    return Buffer.concat(parts).toString("latin1")
  })

const rootNames = ["a.txt", "sub", "inside.txt", "subdir", "abs.txt", "out", "out.txt", "loop", "dangling", RAW_NAME]

const memoryFixture = (): Fixture => {
  const base = "/base"
  return {
    base,
    fs: FileSystem.makeTest({
      base: {
        root: {
          "a.txt": { _tag: "File", content: "hello\n", mtimeMs: 1_700_000_000_500 },
          sub: { "b.txt": "bee", deeper: {} },
          "inside.txt": { _tag: "Symlink", target: "sub/b.txt" },
          subdir: { _tag: "Symlink", target: "sub" },
          "abs.txt": { _tag: "Symlink", target: `${base}/root/a.txt` },
          out: { _tag: "Symlink", target: "../outside" },
          "out.txt": { _tag: "Symlink", target: "../outside/secret.txt" },
          loop: { _tag: "Symlink", target: "loop" },
          dangling: { _tag: "Symlink", target: "missing" },
          [PyText.fsDecode(RAW_NAME)]: new Uint8Array(Buffer.from("raw"))
        },
        outside: { "secret.txt": "secret" }
      }
    })
  }
}

const diskFixture = (): Fixture & { readonly cleanup: () => void } => {
  const base = NodeFs.realpathSync(NodeFs.mkdtempSync(NodePath.join(Os.tmpdir(), "effect-httpd-fs-")))
  const root = NodePath.join(base, "root")
  NodeFs.mkdirSync(NodePath.join(root, "sub", "deeper"), { recursive: true })
  NodeFs.mkdirSync(NodePath.join(base, "outside"))
  NodeFs.writeFileSync(NodePath.join(root, "a.txt"), "hello\n")
  NodeFs.writeFileSync(NodePath.join(root, "sub", "b.txt"), "bee")
  NodeFs.symlinkSync("sub/b.txt", NodePath.join(root, "inside.txt"))
  NodeFs.symlinkSync("sub", NodePath.join(root, "subdir"))
  NodeFs.symlinkSync(NodePath.join(root, "a.txt"), NodePath.join(root, "abs.txt"))
  NodeFs.symlinkSync("../outside", NodePath.join(root, "out"))
  NodeFs.symlinkSync("../outside/secret.txt", NodePath.join(root, "out.txt"))
  NodeFs.symlinkSync("loop", NodePath.join(root, "loop"))
  NodeFs.symlinkSync("missing", NodePath.join(root, "dangling"))
  NodeFs.writeFileSync(Buffer.concat([Buffer.from(root + "/"), RAW_NAME]), "raw")
  NodeFs.writeFileSync(NodePath.join(base, "outside", "secret.txt"), "secret")
  return { base, fs: FileSystem.make(), cleanup: () => NodeFs.rmSync(base, { recursive: true, force: true }) }
}

/** What both implementations must agree on. */
const contract = (fixture: () => Fixture) => {
  it.effect("stat follows links; lstat does not", () =>
    Effect.gen(function*() {
      const f = fixture()
      const a = yield* f.fs.stat(path(f, "root", "a.txt"))
      assert.strictEqual(a.type, "File")
      assert.strictEqual(a.size, 6)
      assert.isAbove(a.mtimeMs, 0)
      assert.strictEqual((yield* f.fs.stat(path(f, "root", "sub"))).type, "Directory")
      assert.strictEqual((yield* f.fs.stat(path(f, "root"))).type, "Directory")
      assert.strictEqual((yield* f.fs.stat(path(f, "root", "sub/"))).type, "Directory")
      const inside = yield* f.fs.stat(path(f, "root", "inside.txt"))
      assert.deepStrictEqual([inside.type, inside.size], ["File", 3])
      assert.strictEqual((yield* f.fs.stat(path(f, "root", "subdir"))).type, "Directory")
      assert.strictEqual((yield* f.fs.lstat(path(f, "root", "inside.txt"))).type, "SymbolicLink")
      assert.strictEqual((yield* f.fs.lstat(path(f, "root", "subdir"))).type, "SymbolicLink")
      assert.strictEqual((yield* f.fs.lstat(path(f, "root", "dangling"))).type, "SymbolicLink")
      assert.strictEqual((yield* f.fs.lstat(path(f, "root", "a.txt"))).type, "File")
      // A trailing slash resolves the link, as a final `.` would.
      assert.strictEqual((yield* f.fs.lstat(path(f, "root", "subdir/"))).type, "Directory")
      assert.strictEqual((yield* f.fs.stat(path(f, "root", RAW_NAME))).size, 3)
      assert.strictEqual((yield* f.fs.stat(path(f, "root", "sub/../a.txt"))).size, 6)
      assert.strictEqual((yield* f.fs.stat(path(f, "root", "subdir/../a.txt"))).size, 6)
    }))

  it.effect("stat errors: ENOENT, ENOTDIR, ELOOP", () =>
    Effect.gen(function*() {
      const f = fixture()
      assert.strictEqual(yield* errorCode(f.fs.stat(path(f, "root", "missing"))), "ENOENT")
      assert.strictEqual(yield* errorCode(f.fs.stat(path(f, "root", "missing", "x"))), "ENOENT")
      assert.strictEqual(yield* errorCode(f.fs.stat(path(f, "root", "dangling"))), "ENOENT")
      assert.strictEqual(yield* errorCode(f.fs.stat(path(f, "root", "a.txt", "x"))), "ENOTDIR")
      assert.strictEqual(yield* errorCode(f.fs.stat(path(f, "root", "a.txt/"))), "ENOTDIR")
      assert.strictEqual(yield* errorCode(f.fs.stat(path(f, "root", "a.txt/.."))), "ENOTDIR")
      assert.strictEqual(yield* errorCode(f.fs.stat(path(f, "root", "loop"))), "ELOOP")
      assert.strictEqual((yield* f.fs.lstat(path(f, "root", "loop"))).type, "SymbolicLink")
      assert.strictEqual(yield* errorCode(f.fs.lstat(path(f, "root", "missing"))), "ENOENT")
    }))

  it.effect("realPath resolves relative and absolute links, `..` and repeated slashes", () =>
    Effect.gen(function*() {
      const f = fixture()
      const real = (...parts: ReadonlyArray<string | Uint8Array>) => Effect.map(f.fs.realPath(path(f, ...parts)), text)
      assert.strictEqual(yield* real("root"), `${f.base}/root`)
      assert.strictEqual(yield* real("root", "a.txt"), `${f.base}/root/a.txt`)
      assert.strictEqual(yield* real("root", "inside.txt"), `${f.base}/root/sub/b.txt`)
      assert.strictEqual(yield* real("root", "subdir", "b.txt"), `${f.base}/root/sub/b.txt`)
      assert.strictEqual(yield* real("root", "abs.txt"), `${f.base}/root/a.txt`)
      assert.strictEqual(yield* real("root", "out"), `${f.base}/outside`)
      assert.strictEqual(yield* real("root", "out", "secret.txt"), `${f.base}/outside/secret.txt`)
      assert.strictEqual(yield* real("root", "out.txt"), `${f.base}/outside/secret.txt`)
      assert.strictEqual(yield* real("root", "subdir/../a.txt"), `${f.base}/root/a.txt`)
      assert.strictEqual(yield* real("root", "sub/.//deeper/"), `${f.base}/root/sub/deeper`)
      assert.strictEqual(yield* real("root", RAW_NAME), `${f.base}/root/${PyText.fsDecode(RAW_NAME)}`)
      assert.strictEqual(yield* errorCode(f.fs.realPath(path(f, "root", "loop"))), "ELOOP")
      assert.strictEqual(yield* errorCode(f.fs.realPath(path(f, "root", "dangling"))), "ENOENT")
      assert.strictEqual(yield* errorCode(f.fs.realPath(path(f, "root", "missing"))), "ENOENT")
      assert.strictEqual(yield* errorCode(f.fs.realPath(path(f, "root", "a.txt", "x"))), "ENOTDIR")
    }))

  it.effect("readDirectory gives every name as bytes", () =>
    Effect.gen(function*() {
      const f = fixture()
      const names = (yield* f.fs.readDirectory(path(f, "root"))).map((e) => text(e.name))
      assert.deepStrictEqual([...names].sort(), rootNames.map((n) => text(Buffer.from(n))).sort())
      assert.deepStrictEqual((yield* f.fs.readDirectory(path(f, "root", "subdir"))).map((e) => text(e.name)).sort(), ["b.txt", "deeper"])
      assert.deepStrictEqual(yield* f.fs.readDirectory(path(f, "root", "sub", "deeper")), [])
      assert.strictEqual(yield* errorCode(f.fs.readDirectory(path(f, "root", "a.txt"))), "ENOTDIR")
      assert.strictEqual(yield* errorCode(f.fs.readDirectory(path(f, "root", "missing"))), "ENOENT")
    }))

  it.effect("open reads bytes at a position and stats the open file", () =>
    Effect.gen(function*() {
      const f = fixture()
      const file = yield* f.fs.open(path(f, "root", "a.txt"))
      const four = new Uint8Array(4)
      assert.strictEqual(yield* file.read(four, 0), 4)
      assert.strictEqual(Buffer.from(four).toString(), "hell")
      const ten = new Uint8Array(10).fill(0x2a)
      assert.strictEqual(yield* file.read(ten, 4), 2)
      assert.deepStrictEqual(Array.from(ten.subarray(0, 3)), [0x6f, 0x0a, 0x2a])
      assert.strictEqual(yield* file.read(ten, 6), 0)
      assert.strictEqual(yield* file.read(ten, 100), 0)
      const stat = yield* file.stat
      assert.strictEqual(stat.type, "File")
      assert.strictEqual(stat.size, 6)
      assert.strictEqual(stat.mtimeMs, (yield* f.fs.stat(path(f, "root", "a.txt"))).mtimeMs)
      assert.strictEqual(yield* readAll(yield* f.fs.open(path(f, "root", "inside.txt"))), "bee")
      assert.strictEqual(yield* readAll(yield* f.fs.open(path(f, "root", "out.txt"))), "secret")
      assert.strictEqual(yield* readAll(yield* f.fs.open(path(f, "root", RAW_NAME))), "raw")
    }).pipe(Effect.scoped))

  it.effect("load reads a small file whole, and only stats a larger one", () =>
    Effect.gen(function*() {
      const f = fixture()
      const small = yield* f.fs.load(path(f, "root", "a.txt"), 1024)
      assert.strictEqual(small.stat.type, "File")
      assert.strictEqual(small.stat.size, 6)
      assert.strictEqual(Buffer.from(small.content!).toString(), "hello\n")
      const large = yield* f.fs.load(path(f, "root", "a.txt"), 5)
      assert.strictEqual(large.stat.size, 6)
      assert.strictEqual(large.content, undefined)
      assert.strictEqual(Buffer.from((yield* f.fs.load(path(f, "root", "inside.txt"), 1024)).content!).toString(), "bee")
      assert.strictEqual(yield* errorCode(f.fs.load(path(f, "root", "missing"), 1024)), "ENOENT")
      // A directory is never loaded as content.
      const dir = yield* Effect.either(f.fs.load(path(f, "root", "subdir"), 1024))
      assert.isTrue(dir._tag === "Left" || (dir.right.stat.type === "Directory" && dir.right.content === undefined))
    }))

  it.effect("open errors: ENOENT, ENOTDIR, ELOOP; a directory cannot be read (EISDIR)", () =>
    Effect.gen(function*() {
      const f = fixture()
      assert.strictEqual(yield* errorCode(f.fs.open(path(f, "root", "missing"))), "ENOENT")
      assert.strictEqual(yield* errorCode(f.fs.open(path(f, "root", "dangling"))), "ENOENT")
      assert.strictEqual(yield* errorCode(f.fs.open(path(f, "root", "a.txt/"))), "ENOTDIR")
      assert.strictEqual(yield* errorCode(f.fs.open(path(f, "root", "loop"))), "ELOOP")
      // Linux opens a directory read-only and fails on the read; the double fails on open.
      const readDir = Effect.flatMap(f.fs.open(path(f, "root", "sub")), (file) => file.read(new Uint8Array(8), 0))
      assert.strictEqual(yield* errorCode(readDir), "EISDIR")
    }).pipe(Effect.scoped))

  it.effect("a file is closed when its scope closes", () =>
    Effect.gen(function*() {
      const f = fixture()
      const file = yield* Effect.scoped(f.fs.open(path(f, "root", "a.txt")))
      assert.strictEqual(yield* errorCode(file.read(new Uint8Array(4), 0)), "EBADF")
      assert.strictEqual(yield* errorCode(file.stat), "EBADF")
    }))
}

describe("FileSystem.makeTest", () => {
  contract(memoryFixture)

  it.effect("lists names in the order the tree gives them", () =>
    Effect.gen(function*() {
      const f = memoryFixture()
      const names = (yield* f.fs.readDirectory(path(f, "root"))).map((e) => e.name)
      assert.deepStrictEqual(names.map(text), rootNames.map((n) => text(Buffer.from(n))))
      assert.deepStrictEqual(Buffer.from(names[names.length - 1]), RAW_NAME)
      const fs = FileSystem.makeTest({ z: "", b: "", m: {}, a: "" })
      assert.deepStrictEqual((yield* fs.readDirectory(Buffer.from("/"))).map((e) => [text(e.name), e.type]), [
        ["z", "File"],
        ["b", "File"],
        ["m", "Directory"],
        ["a", "File"]
      ])
    }))

  it.effect("the root is `/`; relative paths are refused", () =>
    Effect.gen(function*() {
      const fs = FileSystem.makeTest({ a: "x", d: { l: { _tag: "Symlink", target: "/a" } } })
      assert.strictEqual(text(yield* fs.realPath(Buffer.from("/"))), "/")
      assert.strictEqual(text(yield* fs.realPath(Buffer.from("//d/../../a"))), "/a")
      assert.strictEqual(text(yield* fs.realPath(Buffer.from("/d/l"))), "/a")
      assert.strictEqual((yield* fs.stat(Buffer.from("/"))).type, "Directory")
      assert.strictEqual(yield* errorCode(fs.stat(Buffer.from("a"))), "EINVAL")
      assert.strictEqual(yield* errorCode(fs.stat(Buffer.from(""))), "ENOENT")
      assert.strictEqual(yield* errorCode(fs.stat(Buffer.from("/a\0"))), "EINVAL")
    }))

  it.effect("files: text as UTF-8 or bytes, explicit mtimes, entries with a `_tag` name", () =>
    Effect.gen(function*() {
      const fs = FileSystem.makeTest({
        "é.txt": "é",
        bin: Uint8Array.from([0, 255]),
        dated: { _tag: "File", content: "x", mtimeMs: 1234 },
        odd: { _tag: "Directory", entries: { _tag: "File" }, mtimeMs: 99 }
      })
      assert.strictEqual((yield* fs.stat(Buffer.from("/é.txt"))).size, 2)
      assert.strictEqual((yield* fs.stat(Buffer.from("/bin"))).size, 2)
      assert.strictEqual((yield* fs.stat(Buffer.from("/dated"))).mtimeMs, 1234)
      assert.deepStrictEqual(yield* fs.stat(Buffer.from("/odd")), { type: "Directory", size: 0, mtimeMs: 99 })
      assert.strictEqual((yield* fs.stat(Buffer.from("/odd/_tag"))).size, 4)
    }))

  it.effect("symbolic links: absolute targets, chains, cycles, the 40-link limit", () =>
    Effect.gen(function*() {
      const chain: Record<string, FileSystem.TreeNode> = { end: "done" }
      for (let i = 0; i < 41; i++) chain[`l${i}`] = { _tag: "Symlink", target: i === 0 ? "end" : `l${i - 1}` }
      const fs = FileSystem.makeTest({
        ...chain,
        ping: { _tag: "Symlink", target: "pong" },
        pong: { _tag: "Symlink", target: "/ping" },
        d: { up: { _tag: "Symlink", target: "../d/" } }
      })
      assert.strictEqual(text(yield* fs.realPath(Buffer.from("/l39"))), "/end")
      assert.strictEqual(yield* errorCode(fs.realPath(Buffer.from("/l40"))), "ELOOP")
      assert.strictEqual(yield* errorCode(fs.stat(Buffer.from("/ping"))), "ELOOP")
      assert.strictEqual(text(yield* fs.realPath(Buffer.from("/d/up/up/up"))), "/d")
    }))

  it("refuses names it cannot represent", () => {
    assert.throws(() => FileSystem.makeTest({ "a/b": "" }))
    assert.throws(() => FileSystem.makeTest({ "..": "" }))
    assert.throws(() => FileSystem.makeTest({ "\ud800": "" }))
  })

  it.effect("layerTest provides the double", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      assert.strictEqual((yield* fs.stat(Buffer.from("/a"))).size, 1)
    }).pipe(Effect.provide(FileSystem.layerTest({ a: "x" }))))
})

describe("FileSystem.layer (node:fs)", () => {
  let disk: ReturnType<typeof diskFixture> | undefined
  beforeAll(() => {
    disk = diskFixture()
  })
  afterAll(() => disk?.cleanup())
  const fixture = (): Fixture => disk!

  contract(fixture)

  it.effect("is provided by the layer", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      assert.strictEqual((yield* fs.stat(path(fixture(), "root", "a.txt"))).size, 6)
    }).pipe(Effect.provide(FileSystem.layer)))

  it.effect("names that tie case-insensitively come in directory order (as os.listdir and `ls -U`)", () =>
    Effect.gen(function*() {
      const f = fixture()
      const dir = NodePath.join(f.base, "order")
      NodeFs.mkdirSync(dir)
      // Created out of order, with names equal once lower-cased ("B"/"b", "Y"/"y"): the listing's
      // stable sort keeps such names in the order the directory gives them.
      for (const name of ["m", "c", "x", "a", "q", "B", "k", "z", "e", "Y", "g", "s", "d", "b", "w", "i", "y", "o"]) {
        NodeFs.writeFileSync(NodePath.join(dir, name), "")
      }
      NodeFs.writeFileSync(Buffer.concat([Buffer.from(dir + "/"), RAW_NAME]), "")
      const names = (yield* f.fs.readDirectory(Buffer.from(dir))).map((e) => Buffer.from(e.name).toString("latin1"))
      const ls = ChildProcess.execFileSync("ls", ["-U", "-A", "-1", "--quoting-style=literal", dir])
      const expected = ls.toString("latin1").split("\n").filter((n) => n !== "")
      assert.deepStrictEqual(names, expected)
      assert.notDeepEqual(names, [...names].sort())
    }))

  it.effect("without such ties every name comes, each with its type", () =>
    Effect.gen(function*() {
      const f = fixture()
      const dir = NodePath.join(f.base, "noties")
      NodeFs.mkdirSync(dir)
      for (const name of ["m", "c", "x"]) NodeFs.writeFileSync(NodePath.join(dir, name), "")
      NodeFs.mkdirSync(NodePath.join(dir, "sub"))
      NodeFs.symlinkSync("m", NodePath.join(dir, "link"))
      const entries = (yield* f.fs.readDirectory(Buffer.from(dir))).map((e) => [Buffer.from(e.name).toString(), e.type])
      assert.deepStrictEqual(entries.sort(), [
        ["c", "File"],
        ["link", "SymbolicLink"],
        ["m", "File"],
        ["sub", "Directory"],
        ["x", "File"]
      ])
    }))

  it.effect("readDirectory leaves no descriptor open", () =>
    Effect.gen(function*() {
      const f = fixture()
      const before = NodeFs.readdirSync("/proc/self/fd").length
      for (let i = 0; i < 20; i++) yield* f.fs.readDirectory(path(f, "root"))
      assert.isAtMost(NodeFs.readdirSync("/proc/self/fd").length, before)
    }))

  it.effect("the descriptor is closed when the scope closes, after success, failure or interruption (/proc/self/fd)", () =>
    Effect.gen(function*() {
      const f = fixture()
      const target = text(path(f, "root", "a.txt"))
      // Descriptors that point at a.txt right now.
      const open = () =>
        NodeFs.readdirSync("/proc/self/fd").filter((fd) => {
          try {
            return NodeFs.readlinkSync(`/proc/self/fd/${fd}`) === target
          } catch {
            return false
          }
        })
      assert.deepStrictEqual(open(), [])
      const during = yield* Effect.scoped(
        Effect.map(f.fs.open(path(f, "root", "a.txt")), () => open())
      )
      assert.strictEqual(during.length, 1)
      assert.deepStrictEqual(open(), [])
      // Also when the scope closes because of a failure.
      const exit = yield* Effect.exit(Effect.scoped(
        Effect.flatMap(f.fs.open(path(f, "root", "a.txt")), () => Effect.fail("boom"))
      ))
      assert.isTrue(Exit.isFailure(exit))
      assert.deepStrictEqual(open(), [])
      // And when the fiber holding the scope is interrupted.
      const fiber = yield* Effect.fork(Effect.scoped(Effect.zipRight(f.fs.open(path(f, "root", "a.txt")), Effect.never)))
      while (open().length === 0) yield* Effect.yieldNow()
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(open(), [])
    }))

  it.effect("a NUL byte in a path is a typed failure, not a defect", () =>
    Effect.gen(function*() {
      const f = fixture()
      const code = yield* errorCode(f.fs.stat(path(f, "root", "a.txt\0")))
      assert.isString(code)
      assert.isString(yield* errorCode(f.fs.open(path(f, "root", "a.txt\0"))))
    }).pipe(Effect.scoped))
})

