import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import type * as Net from "node:net"
import * as Path from "node:path"
import * as CgiHandler from "../src/CgiHandler.js"
import * as Headers from "../src/Headers.js"
import * as CgiOutput from "../src/internal/CgiOutput.js"
import * as CgiProcess from "../src/internal/CgiProcess.js"
import * as CgiRequest from "../src/internal/CgiRequest.js"
import * as CgiResponse from "../src/internal/CgiResponse.js"
import * as Framing from "../src/internal/Framing.js"
import * as Cgi from "./support/cgi.js"
import * as Cli from "./support/cliProcess.js"
import { connect, exchange } from "./support/server.js"

// ---------------------------------------------------------------------------------------------
// Pure parts
// ---------------------------------------------------------------------------------------------

describe("CgiRequest.collapsePath (_url_collapse_path)", () => {
  // CPython's test_url_collapse_path vectors (undefined: IndexError), then the query and decoding rules.
  const vectors: ReadonlyArray<readonly [string, string | undefined]> = [
    ["", "//"],
    ["..", undefined],
    ["/.//..", undefined],
    ["/", "//"],
    ["//", "//"],
    ["/\\", "//\\"],
    ["/.//", "//"],
    ["cgi-bin/file1.py", "/cgi-bin/file1.py"],
    ["/cgi-bin/file1.py", "/cgi-bin/file1.py"],
    ["a", "//a"],
    ["/a", "//a"],
    ["//a", "//a"],
    ["./a", "//a"],
    ["./C:/", "/C:/"],
    ["/a/b", "/a/b"],
    ["/a/b/", "/a/b/"],
    ["/a/b/.", "/a/b/"],
    ["/a/b/c/..", "/a/b/"],
    ["/a/b/c/../d", "/a/b/d"],
    ["/a/b/c/../d/e/../f", "/a/b/d/f"],
    ["/a/b/c/../d/e/../../f", "/a/b/f"],
    ["/a/b/c/../d/e/.././././..//f", "/a/b/f"],
    ["../a/b/c/../d/e/.././././..//f", undefined],
    ["/a/b/c/../d/e/../../../f", "/a/f"],
    ["/a/b/c/../d/e/../../../../f", "//f"],
    ["/a/b/c/../d/e/../../../../../f", undefined],
    ["/a/b/c/../d/e/../../../../f/..", "//"],
    ["/a/b/c/../d/e/../../../../f/../.", "//"],
    ["/a/b/.?x=/y", "/a/b/?x=/y"],
    ["/a/b/..?x", "/a/?x"],
    ["/a?", "//a"],
    ["/cgi-bin%2ffile1.py", "/cgi-bin/file1.py"],
    ["/x/%2e%2e/cgi-bin/env.sh", "/cgi-bin/env.sh"]
  ]
  for (const [path, expected] of vectors) {
    it(`${JSON.stringify(path)} -> ${expected === undefined ? "IndexError" : JSON.stringify(expected)}`, () => {
      assert.strictEqual(CgiRequest.collapsePath(path)?.path, expected)
    })
  }
})

describe("CgiRequest: is_cgi, the script split and argv", () => {
  const dirs = CgiHandler.defaultDirectories
  it("finds the CGI directory exactly and case-sensitively", () => {
    assert.deepStrictEqual(CgiRequest.isCgi("/cgi-bin/x/y", dirs), { dir: "/cgi-bin", rest: "x/y" })
    assert.deepStrictEqual(CgiRequest.isCgi("/htbin/a.sh?q", dirs), { dir: "/htbin", rest: "a.sh?q" })
    assert.strictEqual(CgiRequest.isCgi("//cgi-bin", dirs), undefined)
    assert.strictEqual(CgiRequest.isCgi("/CGI-BIN/x", dirs), undefined)
    assert.strictEqual(CgiRequest.isCgi("/sub/cgi-bin/x", dirs), undefined)
    assert.deepStrictEqual(CgiRequest.isCgi("/a/b/x", ["/a/b"]), { dir: "/a/b", rest: "x" })
  })

  it("splits script, extra path and query as run_cgi does", () => {
    assert.deepStrictEqual(CgiRequest.splitScript({ dir: "/cgi-bin", rest: "env.sh/extra/p ath?a=b?c" }), {
      scriptName: "/cgi-bin/env.sh",
      extraPath: "/extra/p ath",
      query: "a=b?c"
    })
    assert.deepStrictEqual(CgiRequest.splitScript({ dir: "/cgi-bin", rest: "" }), {
      scriptName: "/cgi-bin/",
      extraPath: "",
      query: ""
    })
  })

  it("walks nested directories only before the query", () => {
    assert.deepStrictEqual(
      CgiRequest.nestedCandidates({ dir: "/cgi-bin", rest: "a/b/c.sh?x=/y" }).map((c) => c.dir),
      ["/cgi-bin/a", "/cgi-bin/a/b"]
    )
  })

  it("a query without '=' is one argument, '+' read as a space", () => {
    assert.deepStrictEqual(CgiRequest.argv("hello+world"), ["hello world"])
    assert.deepStrictEqual(CgiRequest.argv("%41+b"), ["%41 b"])
    assert.deepStrictEqual(CgiRequest.argv(""), [""])
    assert.deepStrictEqual(CgiRequest.argv("a=b"), [])
  })

  it("escapes a decoded path so that it is not decoded twice", () => {
    assert.strictEqual(CgiRequest.literalPath("/cgi-bin/%2e%2e/x?y#z"), "/cgi-bin/%252e%252e/x%3Fy%23z")
  })

  it("REMOTE_USER from Basic credentials, as base64.decodebytes reads them", () => {
    assert.strictEqual(CgiRequest.basicUser(Buffer.from("user:pass").toString("base64")), "user")
    assert.strictEqual(CgiRequest.basicUser("dXNlcm5hbWU6cGFzcw=="), "username")
    assert.strictEqual(CgiRequest.basicUser("dXNl cm5h bWU6 cGFz cw=="), "username")
    assert.strictEqual(CgiRequest.basicUser(Buffer.from("a:b:c").toString("base64")), undefined)
    assert.strictEqual(CgiRequest.basicUser(Buffer.from("nocolon").toString("base64")), undefined)
    assert.strictEqual(CgiRequest.basicUser("dXNlcjpwYXNz="), "user") // padding after a full quad is ignored
    assert.strictEqual(CgiRequest.basicUser("dXNlcjpwYXM"), undefined) // incorrect padding
    assert.strictEqual(CgiRequest.basicUser(Buffer.from("\xe9:x", "latin1").toString("base64")), undefined)
  })
})

describe("CgiRequest.environment", () => {
  const input = (fields: ReadonlyArray<Headers.Field>, contentLength?: string): CgiRequest.EnvironmentInput => ({
    serverSoftware: "SimpleHTTP/0.6 Node.js/20",
    serverName: "localhost",
    serverProtocol: "HTTP/1.0",
    serverPort: 8000,
    method: "GET",
    pathInfo: "",
    pathTranslated: "/srv",
    scriptName: "/cgi-bin/x",
    query: "",
    remoteAddr: "127.0.0.1",
    headers: Headers.fromFields(fields),
    contentLength
  })

  it("sets run_cgi's variables over a copy of the server's environment", () => {
    const base = { PATH: "/bin", SERVER_SOFTWARE: "stale" }
    const env = CgiRequest.environment(base, input([["Accept", "a/b"], ["ACCEPT", "c/d"], ["Cookie", "a=1"], ["Cookie", ""], ["Cookie", "b=2"]]))
    assert.strictEqual(env.PATH, "/bin")
    assert.strictEqual(env.SERVER_SOFTWARE, "SimpleHTTP/0.6 Node.js/20")
    assert.strictEqual(env.GATEWAY_INTERFACE, "CGI/1.1")
    assert.strictEqual(env.SERVER_PORT, "8000")
    assert.strictEqual(env.HTTP_ACCEPT, "a/b,c/d")
    assert.strictEqual(env.HTTP_COOKIE, "a=1, b=2")
    assert.strictEqual(env.CONTENT_TYPE, "text/plain")
    assert.deepStrictEqual(base, { PATH: "/bin", SERVER_SOFTWARE: "stale" })
  })

  it("blanks stale values and drops inherited credentials", () => {
    const env = CgiRequest.environment(
      { HTTP_USER_AGENT: "stale", HTTP_COOKIE: "stale", REMOTE_HOST: "x", REMOTE_USER: "admin", AUTH_TYPE: "Basic" },
      input([])
    )
    for (const k of ["QUERY_STRING", "REMOTE_HOST", "CONTENT_LENGTH", "HTTP_USER_AGENT", "HTTP_COOKIE", "HTTP_REFERER", "HTTP_ACCEPT"]) {
      assert.strictEqual(env[k], "", k)
    }
    assert.strictEqual(env.REMOTE_USER, undefined)
    assert.strictEqual(env.AUTH_TYPE, undefined)
  })

  it("AUTH_TYPE for any two-word Authorization, REMOTE_USER for Basic only", () => {
    const basic = Buffer.from("alice:secret").toString("base64")
    const env = CgiRequest.environment({}, input([["Authorization", `basic ${basic}`]]))
    assert.strictEqual(env.AUTH_TYPE, "basic")
    assert.strictEqual(env.REMOTE_USER, "alice")
    const bearer = CgiRequest.environment({}, input([["Authorization", "Bearer abc"]]))
    assert.strictEqual(bearer.AUTH_TYPE, "Bearer")
    assert.strictEqual(bearer.REMOTE_USER, undefined)
    assert.strictEqual(CgiRequest.environment({}, input([["Authorization", "Basic a b"]])).AUTH_TYPE, undefined)
  })

  it("an authenticated user is REMOTE_USER even where CPython's reading drops it (non-ASCII, a colon in the password)", () => {
    const token = Buffer.from("carol:pä:ss").toString("base64")
    assert.strictEqual(CgiRequest.environment({}, input([["Authorization", `Basic ${token}`]])).REMOTE_USER, undefined)
    const env = CgiRequest.environment({}, { ...input([["Authorization", `Basic ${token}`]]), remoteUser: "carol" })
    assert.deepStrictEqual([env.AUTH_TYPE, env.REMOTE_USER], ["Basic", "carol"])
  })

  it("never turns a Proxy header into HTTP_PROXY (httpoxy), nor passes other headers", () => {
    const env = CgiRequest.environment({}, input([["Proxy", "http://evil:1/"], ["X-Foo", "bar"]]))
    assert.strictEqual(env.HTTP_PROXY, undefined)
    assert.strictEqual(env.HTTP_X_FOO, undefined)
  })
})

describe("CgiResponse.parseHead (CONTRACT D10)", () => {
  const parse = (text: string, eof = true, max = 1024) => CgiResponse.parseHead(Buffer.from(text, "latin1"), eof, max)
  const head = (text: string, eof = true) => {
    const result = parse(text, eof)
    if (result._tag !== "Head") throw new Error(`expected a head, got ${JSON.stringify(result)}`)
    return result.head
  }

  it("no Status and no Location: CPython's 200 Script output follows, fields relayed in order", () => {
    const h = head("Content-Type: text/plain\nX-B:  two \n\nbody")
    assert.strictEqual(h.status, 200)
    assert.strictEqual(h.message, "Script output follows")
    assert.deepStrictEqual(h.headers, [["Content-Type", "text/plain"], ["X-B", "two"]])
    assert.strictEqual(h.bodyStart, "Content-Type: text/plain\nX-B:  two \n\n".length)
  })

  it("Status sets the status line and is not relayed; CRLF endings work", () => {
    const h = head("Status: 404 Not Here\r\nContent-Type: text/plain\r\n\r\n")
    assert.deepStrictEqual([h.status, h.message, h.headers], [404, "Not Here", [["Content-Type", "text/plain"]]])
    assert.strictEqual(head("Status: 204\n\n").message, undefined)
  })

  it("Location without Status is a 302; with Status the script's code wins", () => {
    const h = head("Location: /elsewhere\n\n")
    assert.deepStrictEqual([h.status, h.message, h.headers], [302, undefined, [["Location", "/elsewhere"]]])
    assert.strictEqual(head("Status: 301 Moved\nLocation: /x\n\n").status, 301)
  })

  it("Content-Length is read; hop-by-hop fields are the server's", () => {
    const h = head("Content-Length: 6\nConnection: keep-alive\nTransfer-Encoding: chunked\nKeep-Alive: 5\n\nhello\n")
    assert.strictEqual(h.contentLength, 6)
    assert.deepStrictEqual(h.headers, [["Content-Length", "6"]])
    assert.strictEqual(head("Content-Length: 6\nContent-Length: 6\n\n").headers.length, 1)
  })

  it("waits for more output until the blank line", () => {
    assert.deepStrictEqual(parse("Content-Type: text/plain\n", false), { _tag: "NeedMore" })
    assert.deepStrictEqual(parse("", false), { _tag: "NeedMore" })
  })

  it("at end of output, complete field lines are the whole head", () => {
    const h = head("Content-Type: text/plain\n")
    assert.deepStrictEqual([h.status, h.headers], [200, [["Content-Type", "text/plain"]]])
    assert.strictEqual(head("X-A: 1").headers[0][1], "1")
  })

  const bad: ReadonlyArray<readonly [string, string]> = [
    ["", "no output"],
    ["Content-Type: text/plain\nNoColonLine\n\nbody", "a line without a colon"],
    ["X-A: one\rX-Injected: yes\r\n\r\n", "a bare CR"],
    ["X-A: one\n two\n\n", "a folded line"],
    ["X A: one\n\n", "an invalid field name"],
    [": one\n\n", "an empty field name"],
    ["X-A: o\x00ne\n\n", "a control character"],
    ["Status: abc\n\n", "an invalid Status"],
    ["Status: 102 Processing\n\n", "an invalid Status"],
    ["Status: 200\nStatus: 404\n\n", "two Status fields"],
    ["Content-Length: -1\n\n", "an invalid Content-Length"],
    ["Content-Length: 5\nContent-Length: 6\n\n", "conflicting Content-Length fields"],
    ["hello world\n", "a line without a colon"]
  ]
  for (const [text, reason] of bad) {
    it(`malformed: ${JSON.stringify(text)} (${reason})`, () => {
      assert.deepStrictEqual(parse(text), { _tag: "Malformed", reason })
    })
  }

  it("a header block over the limit is malformed, complete or not", () => {
    const long = "X-A: " + "a".repeat(2000) + "\n\n"
    assert.strictEqual(parse(long, false)._tag, "Malformed")
    assert.strictEqual(parse("X-A: " + "a".repeat(2000), false)._tag, "Malformed")
    assert.strictEqual(parse("X-A: 1\n\n" + "b".repeat(5000), false)._tag, "Head")
  })

  it("framing of a script's response: its Content-Length, else chunked for HTTP/1.1 on both sides, else close; none for HEAD/204/304", () => {
    const mode = (text: string, command: string, requestVersion: string, protocolVersion: string) =>
      Framing.plan(CgiOutput.response(head(text), Stream.empty), { command, requestVersion, protocolVersion }).mode
    assert.strictEqual(mode("Content-Length: 3\n\n", "GET", "HTTP/1.0", "HTTP/1.0"), "length")
    assert.strictEqual(mode("Content-Length: 3\n\n", "GET", "HTTP/1.1", "HTTP/1.1"), "length")
    assert.strictEqual(mode("X: 1\n\n", "GET", "HTTP/1.1", "HTTP/1.1"), "chunked")
    assert.strictEqual(mode("X: 1\n\n", "GET", "HTTP/1.1", "HTTP/1.0"), "close")
    assert.strictEqual(mode("X: 1\n\n", "GET", "HTTP/1.0", "HTTP/1.1"), "close")
    assert.strictEqual(mode("X: 1\n\n", "GET", "HTTP/0.9", "HTTP/1.1"), "close")
    assert.strictEqual(mode("X: 1\n\n", "HEAD", "HTTP/1.1", "HTTP/1.1"), "none")
    assert.strictEqual(mode("Content-Length: 3\n\n", "HEAD", "HTTP/1.1", "HTTP/1.1"), "none")
    assert.strictEqual(mode("Status: 304\n\n", "GET", "HTTP/1.1", "HTTP/1.1"), "none")
    assert.strictEqual(mode("Status: 204\nContent-Length: 3\n\n", "GET", "HTTP/1.1", "HTTP/1.1"), "none")
    // The script's Content-Length is what is sent; the framing adds nothing to its head.
    const sized = Framing.plan(CgiOutput.response(head("Content-Length: 3\n\n"), Stream.empty), {
      command: "GET",
      requestVersion: "HTTP/1.1",
      protocolVersion: "HTTP/1.1"
    })
    assert.deepStrictEqual([sized.length, sized.headers], [3, [["Content-Length", "3"]]])
  })
})

describe("CgiProcess", () => {
  it("nobody's uid and gid from the passwd file, else one past the largest uid", () => {
    assert.deepStrictEqual(CgiProcess.nobody("root:x:0:0::/root:/bin/sh\nnobody:x:65534:65533::/:/bin/false\n"), {
      uid: 65534,
      gid: 65533
    })
    assert.deepStrictEqual(CgiProcess.nobody("root:x:0:0::/:/bin/sh\nbob:x:1000:1000::/:/bin/sh\n"), { uid: 1001, gid: 1001 })
  })

  it("exit status as waitstatus_to_exitcode: the code, or minus the signal the executor names", () => {
    assert.deepStrictEqual(CgiProcess.exitStatus(Exit.succeed(CommandExecutor.ExitCode(3))), { code: 3, signal: false })
    const killed = Exit.fail(new Error("Process interrupted due to receipt of signal: SIGKILL"))
    assert.deepStrictEqual(CgiProcess.exitStatus(killed), { code: -9, signal: true })
    assert.deepStrictEqual(CgiProcess.exitStatus(Exit.fail(new Error("spawn failed"))), { code: -1, signal: true })
  })

  it("SERVER_NAME without DNS: loopback is localhost", () => {
    assert.strictEqual(CgiHandler.serverName("127.0.0.1"), "localhost")
    assert.strictEqual(CgiHandler.serverName("::1"), "localhost")
    assert.strictEqual(CgiHandler.serverName("192.0.2.1"), "192.0.2.1")
    assert.isTrue(CgiHandler.serverName("0.0.0.0").length > 0)
  })
})

// ---------------------------------------------------------------------------------------------
// Real scripts on a real socket
// ---------------------------------------------------------------------------------------------

const root = Cgi.fixture({
  "index.html": "<p>index</p>\n",
  "a.txt": "plain file\n",
  "cgi-bin/env.sh": Cgi.sh("printf 'Content-Type: text/plain\\n\\n'\nenv\n"),
  "cgi-bin/env.py": Cgi.py(
    "import os, sys\nsys.stdout.write('Content-Type: text/plain\\r\\n\\r\\n')\n" +
      "for k, v in sorted(os.environ.items()):\n    sys.stdout.write(f'{k}={v}\\n')\n"
  ),
  "cgi-bin/sum.py": Cgi.py(
    "import hashlib, os, sys\n" +
      "n = int(os.environ['CONTENT_LENGTH'] or 0)\n" +
      "data = sys.stdin.buffer.read(n)\n" +
      "print('Content-Type: text/plain')\nprint()\n" +
      "print(len(data), hashlib.sha256(data).hexdigest(), repr(os.environ['CONTENT_LENGTH']))\n"
  ),
  "cgi-bin/sum.sh": Cgi.sh(
    "printf 'Content-Type: text/plain\\n\\n'\n" +
      "if [ -n \"$CONTENT_LENGTH\" ]; then head -c \"$CONTENT_LENGTH\" | sha256sum; fi\necho \"CL=$CONTENT_LENGTH\"\n"
  ),
  "cgi-bin/ignore-stdin.sh": Cgi.sh("printf 'Content-Type: text/plain\\n\\nignored\\n'\n"),
  "cgi-bin/args.sh": Cgi.sh("printf 'Content-Type: text/plain\\n\\n'\necho \"ARGC=$#\"\nfor a in \"$@\"; do echo \"ARG=$a\"; done\n"),
  "cgi-bin/redirect.sh": Cgi.sh("printf 'Location: /index.html\\n\\n'\n"),
  "cgi-bin/moved.py": Cgi.py("print('Status: 301 Moved Away')\nprint('Location: /a.txt')\nprint('Content-Type: text/plain')\nprint()\nprint('see /a.txt')\n"),
  "cgi-bin/bad.sh": Cgi.sh("printf 'Content-Type: text/plain\\nNoColonLine\\n\\nbody\\n'\n"),
  "cgi-bin/bad.py": Cgi.py("import sys\nsys.stdout.write('X-A: one\\rX-Injected: yes\\r\\n\\r\\nbody')\n"),
  "cgi-bin/huge-head.sh": Cgi.sh("printf 'X-Big: '\nhead -c 100000 /dev/zero | tr '\\0' a\nprintf '\\n\\nbody\\n'\n"),
  "cgi-bin/silent.sh": Cgi.sh("exit 0\n"),
  "cgi-bin/exit3.sh": Cgi.sh("printf 'Content-Type: text/plain\\n\\nfailing\\n'\nexit 3\n"),
  "cgi-bin/stderr.sh": Cgi.sh("printf 'Content-Type: text/plain\\n\\nok\\n'\nprintf 'MARK \\033[31mred\\007\\n' >&2\n"),
  "cgi-bin/clen.sh": Cgi.sh("printf 'Content-Type: text/plain\\nContent-Length: 6\\n\\nhello\\n'\n"),
  "cgi-bin/clen-long.sh": Cgi.sh("printf 'Content-Type: text/plain\\nContent-Length: 3\\n\\nhello\\n'\n"),
  "cgi-bin/clen-short.sh": Cgi.sh("printf 'Content-Type: text/plain\\nContent-Length: 10\\n\\nhello\\n'\n"),
  "cgi-bin/not-modified.sh": Cgi.sh("printf 'Status: 304 Not Modified\\n\\nno body for a 304\\n'\n"),
  "cgi-bin/no-content.sh": Cgi.sh("printf 'Status: 204\\n\\nno body for a 204\\n'\n"),
  // Cut off by a signal after part of its output: the body must not look complete.
  "cgi-bin/killed.sh": Cgi.sh("printf 'Content-Type: text/plain\\n\\npartial\\n'\nkill -KILL $$\n"),
  "cgi-bin/big.py": Cgi.py(
    "import sys\nsys.stdout.write('Content-Type: application/octet-stream\\n\\n')\nsys.stdout.flush()\n" +
      "sys.stdout.buffer.write(bytes(range(256)) * 8192)\n"
  ),
  // Ignores SIGTERM, and so does its child: only SIGKILL to the whole group ends them.
  "cgi-bin/stubborn.sh": Cgi.sh(
    "trap '' TERM\necho $$ > \"$PATH_TRANSLATED/stubborn.$$.pid\"\nsleep 60 &\nwait\n"
  ),
  "cgi-bin/stubborn-late.sh": Cgi.sh(
    "trap '' TERM\necho $$ > \"$PATH_TRANSLATED/late.$$.pid\"\nprintf 'Content-Type: text/plain\\n\\nstarted\\n'\nsleep 60 &\nwait\n"
  ),
  "cgi-bin/slow.sh": Cgi.sh("echo $$ > \"$PATH_TRANSLATED/slow.$$.pid\"\nprintf 'Content-Type: text/plain\\n\\n'\nexec sleep 60\n"),
  "cgi-bin/ticker.sh": Cgi.sh(
    "echo $$ > \"$PATH_TRANSLATED/ticker.$$.pid\"\nprintf 'Content-Type: text/plain\\n\\n'\nwhile :; do echo tick; sleep 0.1; done\n"
  ),
  "cgi-bin/noexec.sh": { content: "#!/bin/sh\necho no\n", mode: 0o644 },
  "cgi-bin/sub/deep.sh": Cgi.sh("printf 'Content-Type: text/plain\\n\\n'\necho \"SCRIPT_NAME=$SCRIPT_NAME\"\necho \"PATH_INFO=$PATH_INFO\"\n"),
  "htbin/hello.sh": Cgi.sh("printf 'Content-Type: text/plain\\n\\nhello from htbin\\n'\n"),
  // The marker is assembled when run, so that the source served as a file does not contain it.
  "scripts/outside.sh": Cgi.sh("printf 'Content-Type: text/plain\\n\\nEXEC%sUTED\\n' ''\n")
})
const run = Path.join(root, "run")

const request = (target: string, fields: ReadonlyArray<string> = [], method = "GET", version = "HTTP/1.0") =>
  `${method} ${target} ${version}\r\n${fields.map((f) => f + "\r\n").join("")}\r\n`

/** Pids a script wrote into run/ under `prefix`. */
const pidsOf = (prefix: string): Array<number> =>
  Fs.readdirSync(run).filter((n) => n.startsWith(prefix + ".")).map((n) => Number(n.split(".")[1]))

/** Call before starting a script: the returned function finds the pid (its group) of the new one. */
const newScript = (prefix: string): () => number | undefined => {
  const before = new Set(pidsOf(prefix))
  return () => pidsOf(prefix).find((p) => !before.has(p))
}

/** Whether a process group has no member left within `timeoutMs`. */
const groupGone = (pgid: number, timeoutMs = 3000) => Cgi.eventually(() => Cgi.groupMembers(pgid).length === 0, timeoutMs)

const get = (port: number, target: string, fields: ReadonlyArray<string> = [], options: { readonly method?: string; readonly timeoutMs?: number } = {}) =>
  Effect.map(
    exchange(port, request(target, fields, options.method ?? "GET"), { timeoutMs: options.timeoutMs ?? 8000 }),
    (r) => ({ ...Cgi.parse(r.data, { head: options.method === "HEAD" }), closed: r.closed, raw: r.data })
  )

describe("CgiHandler: running scripts", () => {
  it.scopedLive("the CGI environment, from a sh script", () =>
    Effect.gen(function*() {
      const { port } = yield* Cgi.start({ directory: root })
      const basic = Buffer.from("alice:pw").toString("base64")
      const r = yield* get(port, "/cgi-bin/env.sh/extra/p%20ath?a=%20b&c=d+e", [
        "User-Agent: test/1.0",
        "Referer: http://x/ref",
        "Cookie: a=1",
        "Cookie: b=2",
        "Accept: text/html",
        `Authorization: Basic ${basic}`,
        "Proxy: http://evil.example:1/",
        "X-Other: no"
      ])
      assert.strictEqual(r.statusLine, "HTTP/1.0 200 Script output follows")
      assert.deepStrictEqual(r.headers.map(([n]) => n).slice(0, 3), ["Server", "Date", "Content-Type"])
      const env = Cgi.envOf(r.body)
      assert.strictEqual(env.SERVER_SOFTWARE, r.get("Server"))
      assert.strictEqual(env.SERVER_NAME, "localhost")
      assert.strictEqual(env.SERVER_PORT, String(port))
      assert.strictEqual(env.SERVER_PROTOCOL, "HTTP/1.0")
      assert.strictEqual(env.GATEWAY_INTERFACE, "CGI/1.1")
      assert.strictEqual(env.REQUEST_METHOD, "GET")
      assert.strictEqual(env.SCRIPT_NAME, "/cgi-bin/env.sh")
      assert.strictEqual(env.PATH_INFO, "/extra/p ath")
      assert.strictEqual(env.PATH_TRANSLATED, root + "/extra/p ath")
      assert.strictEqual(env.QUERY_STRING, "a=%20b&c=d+e")
      assert.strictEqual(env.REMOTE_ADDR, "127.0.0.1")
      assert.strictEqual(env.REMOTE_HOST, "")
      assert.strictEqual(env.HTTP_USER_AGENT, "test/1.0")
      assert.strictEqual(env.HTTP_REFERER, "http://x/ref")
      assert.strictEqual(env.HTTP_COOKIE, "a=1, b=2")
      assert.strictEqual(env.HTTP_ACCEPT, "text/html")
      assert.strictEqual(env.AUTH_TYPE, "Basic")
      assert.strictEqual(env.REMOTE_USER, "alice")
      assert.strictEqual(env.CONTENT_TYPE, "text/plain")
      assert.strictEqual(env.CONTENT_LENGTH, "")
      assert.strictEqual(env.HTTP_PROXY, undefined)
      assert.strictEqual(env.HTTP_X_OTHER, undefined)
    }))

  it.scopedLive("the CGI environment, from a python3 script; the server's environment is inherited", () =>
    Effect.gen(function*() {
      process.env.CGI_TEST_MARKER = "inherited"
      const { port } = yield* Cgi.start({ directory: root })
      const r = yield* get(port, "/cgi-bin/env.py")
      delete process.env.CGI_TEST_MARKER
      assert.strictEqual(r.status, 200)
      const env = Cgi.envOf(r.body)
      assert.strictEqual(env.CGI_TEST_MARKER, "inherited")
      assert.strictEqual(env.PATH_INFO, "")
      assert.strictEqual(env.PATH_TRANSLATED, root)
      assert.strictEqual(env.HTTP_ACCEPT, "")
    }))

  it.scopedLive("POST bodies reach stdin: 0 bytes, 1 MiB, and chunked (decoded, with CONTENT_LENGTH)", () =>
    Effect.gen(function*() {
      const { port } = yield* Cgi.start({ directory: root })
      const sha = (data: Buffer) => Crypto.createHash("sha256").update(data).digest("hex")
      const post = (target: string, body: Buffer, fields: ReadonlyArray<string>) =>
        Effect.map(
          exchange(port, Buffer.concat([Buffer.from(request(target, fields, "POST"), "latin1"), body]), { timeoutMs: 15000 }),
          (r) => Cgi.parse(r.data)
        )

      const empty = yield* post("/cgi-bin/sum.py", Buffer.alloc(0), ["Content-Length: 0"])
      assert.strictEqual(empty.body.toString(), `0 ${sha(Buffer.alloc(0))} '0'\n`)

      const mib = Crypto.randomBytes(1 << 20)
      const big = yield* post("/cgi-bin/sum.py", mib, [`Content-Length: ${mib.length}`])
      assert.strictEqual(big.body.toString(), `${mib.length} ${sha(mib)} '${mib.length}'\n`)
      const bigSh = yield* post("/cgi-bin/sum.sh", mib, [`Content-Length: ${mib.length}`])
      assert.strictEqual(bigSh.body.toString(), `${sha(mib)}  -\nCL=${mib.length}\n`)

      const data = Crypto.randomBytes(200_000)
      let chunked = ""
      const pieces: Array<Buffer> = []
      for (let i = 0; i < data.length; i += 65536) {
        const piece = data.subarray(i, i + 65536)
        pieces.push(Buffer.from(piece.length.toString(16) + "\r\n"), piece, Buffer.from("\r\n"))
      }
      chunked += "0\r\n\r\n"
      const body = Buffer.concat([...pieces, Buffer.from(chunked)])
      const viaChunks = yield* Effect.map(
        exchange(
          port,
          Buffer.concat([
            Buffer.from("POST /cgi-bin/sum.py HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"),
            body
          ]),
          { timeoutMs: 15000 }
        ),
        (r) => Cgi.parse(r.data)
      )
      assert.strictEqual(viaChunks.body.toString(), `${data.length} ${sha(data)} '${data.length}'\n`)
    }))

  it.scopedLive("a chunked body over the limit is a 413, and the script does not run", () =>
    Effect.gen(function*() {
      const { port } = yield* Cgi.start({ directory: root, cgi: { maxChunkedBody: 1000 } })
      const r = yield* exchange(
        port,
        "POST /cgi-bin/sum.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + "x".repeat(0x800) + "\r\n0\r\n\r\n"
      )
      assert.strictEqual(Cgi.parse(r.data).status, 413)
    }))

  it.scopedLive("a script that does not read a big body still answers, and the server survives it", () =>
    Effect.gen(function*() {
      const { port } = yield* Cgi.start({ directory: root })
      const body = Buffer.alloc(4 << 20, 1)
      for (let i = 0; i < 3; i++) {
        const r = yield* exchange(
          port,
          Buffer.concat([Buffer.from(request("/cgi-bin/ignore-stdin.sh", [`Content-Length: ${body.length}`], "POST")), body]),
          { timeoutMs: 15000 }
        )
        assert.strictEqual(Cgi.parse(r.data).body.toString(), "ignored\n")
      }
      assert.strictEqual((yield* get(port, "/a.txt")).body.toString(), "plain file\n")
    }))

  it.scopedLive("argv: a query without '=' is the one argument", () =>
    Effect.gen(function*() {
      const { port } = yield* Cgi.start({ directory: root })
      assert.strictEqual((yield* get(port, "/cgi-bin/args.sh?hello+world")).body.toString(), "ARGC=1\nARG=hello world\n")
      assert.strictEqual((yield* get(port, "/cgi-bin/args.sh?a=b")).body.toString(), "ARGC=0\n")
      assert.strictEqual((yield* get(port, "/cgi-bin/args.sh")).body.toString(), "ARGC=1\nARG=\n")
    }))

  it.scopedLive("redirects: Location gives a 302, Status sets the code and reason", () =>
    Effect.gen(function*() {
      const { port } = yield* Cgi.start({ directory: root })
      const found = yield* get(port, "/cgi-bin/redirect.sh")
      assert.strictEqual(found.statusLine, "HTTP/1.0 302 Found")
      assert.strictEqual(found.get("Location"), "/index.html")
      const moved = yield* get(port, "/cgi-bin/moved.py")
      assert.strictEqual(moved.statusLine, "HTTP/1.0 301 Moved Away")
      assert.strictEqual(moved.get("Location"), "/a.txt")
      assert.strictEqual(moved.get("Status"), undefined)
      assert.strictEqual(moved.body.toString(), "see /a.txt\n")
      // fetch follows the redirect to the file.
      const res = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/cgi-bin/redirect.sh`))
      assert.strictEqual(yield* Effect.promise(() => res.text()), "<p>index</p>\n")
    }))

  it.scopedLive("a malformed header block is a 502, logged, never relayed", () =>
    Effect.gen(function*() {
      const logLines: Array<string> = []
      const { port } = yield* Cgi.start({ directory: root, cgi: { maxHeaderBytes: 4096 }, logLines })
      for (const script of ["bad.sh", "bad.py", "huge-head.sh", "silent.sh"]) {
        const r = yield* get(port, `/cgi-bin/${script}`)
        assert.strictEqual(r.status, 502, script)
        const head = r.raw.subarray(0, r.raw.indexOf("\r\n\r\n")).toString("latin1")
        assert.notInclude(head, "NoColonLine")
        assert.notInclude(head, "X-Injected")
        assert.notInclude(head, "X-Big")
      }
      const log = logLines.join("")
      assert.include(log, "CGI script output is not a valid header block: a line without a colon")
      assert.include(log, "a bare CR")
      assert.include(log, "a header block over 4096 bytes")
      assert.include(log, "no output")
    }))

  it.scopedLive("exit status and stderr go to the log, escaped", () =>
    Effect.gen(function*() {
      const logLines: Array<string> = []
      const { port } = yield* Cgi.start({ directory: root, logLines })
      assert.strictEqual((yield* get(port, "/cgi-bin/exit3.sh")).body.toString(), "failing\n")
      assert.strictEqual((yield* get(port, "/cgi-bin/stderr.sh")).body.toString(), "ok\n")
      const found = yield* Cgi.eventually(() =>
        logLines.some((l) => l.includes("CGI script exit code 3")) && logLines.some((l) => l.includes("MARK"))
      )
      assert.isTrue(found, logLines.join(""))
      const mark = logLines.find((l) => l.includes("MARK"))!
      assert.match(mark, /^127\.0\.0\.1 - - \[.+\] MARK \\x1b\[31mred\\x07\n$/)
      assert.notInclude(logLines.join(""), "exit code 0")
    }))

  it.scopedLive("403, 404 and 501 with CPython's messages; nested directories; htbin; files still served", () =>
    Effect.gen(function*() {
      const { port } = yield* Cgi.start({ directory: root })
      const reason = (r: Cgi.Parsed) => r.statusLine.slice("HTTP/1.0 ".length)
      assert.strictEqual(reason(yield* get(port, "/cgi-bin/nothere.sh")), "404 No such CGI script ('/cgi-bin/nothere.sh')")
      assert.strictEqual(reason(yield* get(port, "/cgi-bin/")), "403 CGI script is not a plain file ('/cgi-bin/')")
      assert.strictEqual(reason(yield* get(port, "/cgi-bin/sub")), "403 CGI script is not a plain file ('/cgi-bin/sub')")
      assert.strictEqual(reason(yield* get(port, "/cgi-bin/noexec.sh")), "403 CGI script is not executable ('/cgi-bin/noexec.sh')")
      assert.strictEqual(reason(yield* get(port, "/cgi-bin/it's")), "404 No such CGI script (\"/cgi-bin/it's\")")
      assert.strictEqual(reason(yield* get(port, "/a.txt", [], { method: "POST" })), "501 Can only POST to CGI scripts")
      assert.strictEqual(reason(yield* get(port, "/a.txt", [], { method: "PUT" })), "501 Unsupported method ('PUT')")
      // CPython's IndexError (it drops the connection): a clean 404.
      const up = yield* get(port, "/cgi-bin/../../cgi-bin/env.sh")
      assert.strictEqual(reason(up), "404 File not found")
      const deep = yield* get(port, "/cgi-bin/sub/deep.sh/x/y?q")
      assert.strictEqual(deep.body.toString(), "SCRIPT_NAME=/cgi-bin/sub/deep.sh\nPATH_INFO=/x/y\n")
      assert.strictEqual((yield* get(port, "/htbin/hello.sh")).body.toString(), "hello from htbin\n")
      assert.strictEqual((yield* get(port, "/a.txt")).body.toString(), "plain file\n")
      assert.strictEqual((yield* get(port, "/cgi-bin")).status, 301)
      // Not CGI: the script is served as a file, never run.
      assert.include((yield* get(port, "/scripts/outside.sh")).body.toString(), "printf")
    }))

  it.scopedLive("no way out of the CGI directory: double encoding and traversal never run an outside script", () =>
    Effect.gen(function*() {
      const { port } = yield* Cgi.start({ directory: root })
      for (const target of ["/cgi-bin/%252e%252e/scripts/outside.sh", "/cgi-bin/..%2fscripts%2foutside.sh", "/cgi-bin/%2e%2e/scripts/outside.sh"]) {
        const r = yield* get(port, target)
        assert.notInclude(r.body.toString(), "EXECUTED", target)
      }
    }))

  it.scopedLive("configurable CGI directories", () =>
    Effect.gen(function*() {
      const { port } = yield* Cgi.start({ directory: root, cgi: { cgiDirectories: ["/scripts"] } })
      assert.strictEqual((yield* get(port, "/scripts/outside.sh")).body.toString(), "EXECUTED\n")
      assert.include((yield* get(port, "/cgi-bin/env.sh")).body.toString(), "printf")
    }))

  it.scopedLive("HEAD runs the script and relays its head only", () =>
    Effect.gen(function*() {
      const { port } = yield* Cgi.start({ directory: root, config: { protocolVersion: "HTTP/1.1" } })
      const client = yield* connect(port)
      client.send("HEAD /cgi-bin/env.sh HTTP/1.1\r\nHost: x\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n")
      const data = yield* client.read((d) => d.includes("plain file\n"))
      const head = Cgi.parse(data, { head: true })
      assert.strictEqual(head.statusLine, "HTTP/1.1 200 Script output follows")
      assert.strictEqual(head.get("Content-Type"), "text/plain")
      assert.strictEqual(head.get("Transfer-Encoding"), undefined)
      assert.isTrue(head.rest.toString("latin1").startsWith("HTTP/1.1 200 OK\r\n"), head.rest.toString("latin1"))
    }))
})

describe("CgiHandler: framing on persistent connections (CONTRACT D10)", () => {
  it.scopedLive("HTTP/1.1: chunked without a Content-Length, the script's Content-Length otherwise; the connection stays usable", () =>
    Effect.gen(function*() {
      const { port } = yield* Cgi.start({ directory: root, config: { protocolVersion: "HTTP/1.1" } })
      const client = yield* connect(port)
      client.send("GET /cgi-bin/big.py HTTP/1.1\r\nHost: x\r\n\r\n")
      const first = Cgi.parse(yield* client.read((d) => d.includes("\r\n0\r\n\r\n"), 10000))
      assert.strictEqual(first.get("Transfer-Encoding"), "chunked")
      assert.isTrue(first.complete)
      assert.isTrue(first.body.equals(Buffer.alloc(256 * 8192).map((_, i) => i % 256)))
      client.send("GET /cgi-bin/clen.sh HTTP/1.1\r\nHost: x\r\n\r\nGET /cgi-bin/clen-long.sh HTTP/1.1\r\nHost: x\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n")
      const data = yield* client.read((d) => d.includes("plain file\n"))
      const second = Cgi.parse(data.subarray(data.indexOf("HTTP/1.1", 10)))
      assert.deepStrictEqual([second.get("Content-Length"), second.get("Transfer-Encoding"), second.body.toString()], ["6", undefined, "hello\n"])
      // A script writing past its Content-Length: the rest is dropped, the framing holds.
      const third = Cgi.parse(second.rest)
      assert.deepStrictEqual([third.get("Content-Length"), third.body.toString()], ["3", "hel"])
      assert.isTrue(third.rest.toString("latin1").startsWith("HTTP/1.1 200 OK\r\n"))
      assert.isFalse(client.closed())
    }))

  it.scopedLive("a body the script leaves unread is the connection's again: the next request is served", () =>
    Effect.gen(function*() {
      const { port } = yield* Cgi.start({ directory: root, config: { protocolVersion: "HTTP/1.1" } })
      const client = yield* connect(port)
      const body = Buffer.alloc(300_000, 0x41)
      client.send(Buffer.concat([
        Buffer.from(`POST /cgi-bin/ignore-stdin.sh HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`),
        body,
        Buffer.from("GET /cgi-bin/clen.sh HTTP/1.1\r\nHost: x\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n")
      ]))
      const data = yield* client.read((d) => d.includes("plain file\n"), 8000)
      const first = Cgi.parse(data)
      assert.strictEqual(first.body.toString(), "ignored\n")
      const second = Cgi.parse(first.rest)
      assert.strictEqual(second.body.toString(), "hello\n")
      assert.strictEqual(Cgi.parse(second.rest).body.toString(), "plain file\n")
    }))

  it.scopedLive("output shorter than the script's Content-Length closes the connection", () =>
    Effect.gen(function*() {
      const { port } = yield* Cgi.start({ directory: root, config: { protocolVersion: "HTTP/1.1" } })
      const client = yield* connect(port)
      client.send("GET /cgi-bin/clen-short.sh HTTP/1.1\r\nHost: x\r\n\r\n")
      const data = yield* client.read(() => false, 3000)
      assert.isTrue(client.closed())
      const r = Cgi.parse(data)
      assert.isFalse(r.complete)
      assert.strictEqual(r.body.toString(), "hello\n")
    }))

  it.scopedLive("a 304 or 204 from the script has no body, whatever the script printed; the connection stays usable", () =>
    Effect.gen(function*() {
      const { port } = yield* Cgi.start({ directory: root, config: { protocolVersion: "HTTP/1.1" } })
      const client = yield* connect(port)
      client.send(
        "GET /cgi-bin/not-modified.sh HTTP/1.1\r\nHost: x\r\n\r\nGET /cgi-bin/no-content.sh HTTP/1.1\r\nHost: x\r\n\r\n" +
          "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"
      )
      const data = yield* client.read((d) => d.includes("plain file\n"))
      assert.notInclude(data.toString("latin1"), "no body")
      const notModified = Cgi.parse(data)
      assert.strictEqual(notModified.statusLine, "HTTP/1.1 304 Not Modified")
      const noContent = Cgi.parse(notModified.rest)
      assert.strictEqual(noContent.statusLine, "HTTP/1.1 204 No Content")
      for (const r of [notModified, noContent]) {
        assert.deepStrictEqual([r.get("Content-Length"), r.get("Transfer-Encoding")], [undefined, undefined])
      }
      assert.strictEqual(Cgi.parse(noContent.rest).body.toString(), "plain file\n")
      assert.isFalse(client.closed())
    }))

  it.scopedLive("a script killed by a signal mid-output: no last chunk, the connection is closed", () =>
    Effect.gen(function*() {
      const logLines: Array<string> = []
      const { port } = yield* Cgi.start({ directory: root, config: { protocolVersion: "HTTP/1.1" }, logLines })
      const client = yield* connect(port)
      client.send("GET /cgi-bin/killed.sh HTTP/1.1\r\nHost: x\r\n\r\n")
      const data = yield* client.read(() => false, 3000)
      assert.isTrue(client.closed())
      const r = Cgi.parse(data)
      assert.strictEqual(r.get("Transfer-Encoding"), "chunked")
      assert.strictEqual(r.body.toString(), "partial\n")
      assert.isFalse(r.complete)
      assert.notInclude(data.toString("latin1"), "\r\n0\r\n\r\n")
      assert.isTrue(logLines.some((l) => l.includes("CGI script exit code -9")), logLines.join(""))
    }))

  it.scopedLive("an HTTP/1.0 keep-alive request without a Content-Length from the script: Connection: close", () =>
    Effect.gen(function*() {
      const { port } = yield* Cgi.start({ directory: root, config: { protocolVersion: "HTTP/1.1" } })
      const r = yield* exchange(port, "GET /cgi-bin/args.sh?x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
      assert.isTrue(r.closed)
      const parsed = Cgi.parse(r.data)
      assert.strictEqual(parsed.get("Connection"), "close")
      assert.strictEqual(parsed.body.toString(), "ARGC=1\nARG=x\n")
    }))
})

describe("CgiHandler: timeouts and stray processes", () => {
  it.scopedLive("a script that ignores SIGTERM is killed with its whole group after the timeout: 504", () =>
    Effect.gen(function*() {
      const logLines: Array<string> = []
      const { port } = yield* Cgi.start({ directory: root, cgi: { timeout: "700 millis", killGrace: "300 millis" }, logLines })
      const started = Date.now()
      const stubborn = newScript("stubborn")
      const r = yield* get(port, "/cgi-bin/stubborn.sh/run")
      const elapsed = Date.now() - started
      assert.strictEqual(r.status, 504)
      assert.isTrue(r.closed)
      assert.isTrue(elapsed >= 600 && elapsed < 2500, `${elapsed} ms`)
      const pgid = stubborn()
      assert.isDefined(pgid)
      // SIGTERM did nothing: only the SIGKILL after the grace ends the script and its child.
      assert.isTrue(Cgi.groupMembers(pgid!).length >= 1)
      const gone = yield* groupGone(pgid!)
      assert.isTrue(gone, `still running: ${Cgi.groupMembers(pgid!)}`)
      assert.isTrue(logLines.some((l) => l.includes("CGI script timed out after 0.7 s")), logLines.join(""))
    }))

  it.scopedLive("a timeout after the head was sent closes the connection, and the group is killed", () =>
    Effect.gen(function*() {
      const { port } = yield* Cgi.start({
        directory: root,
        cgi: { timeout: "700 millis", killGrace: "300 millis" },
        config: { protocolVersion: "HTTP/1.1" }
      })
      const client = yield* connect(port)
      client.send("GET /cgi-bin/stubborn-late.sh/run HTTP/1.1\r\nHost: x\r\n\r\n")
      const data = yield* client.read(() => false, 3000)
      assert.isTrue(client.closed())
      const r = Cgi.parse(data)
      assert.strictEqual(r.status, 200)
      assert.isFalse(r.complete)
      assert.strictEqual(r.body.toString(), "started\n")
      const [pgid] = pidsOf("late")
      assert.isDefined(pgid)
      assert.isTrue(yield* groupGone(pgid))
    }))

  const leaving = [
    {
      name: "a client that resets the connection mid-script: the script's group is killed",
      script: "slow",
      until: (d: Buffer) => d.includes("\r\n\r\n"),
      leave: (socket: Net.Socket) => void socket.resetAndDestroy()
    },
    {
      name: "a client that closes mid-script: the next write fails, and the script's group is killed",
      script: "ticker",
      until: (d: Buffer) => d.includes("tick\n"),
      leave: (socket: Net.Socket) => void socket.destroy()
    }
  ]
  for (const c of leaving) {
    it.scopedLive(c.name, () =>
      Effect.gen(function*() {
        const { port } = yield* Cgi.start({ directory: root })
        const client = yield* connect(port)
        const script = newScript(c.script)
        client.send(request(`/cgi-bin/${c.script}.sh/run`))
        yield* client.read(c.until)
        const pgid = yield* Cgi.eventually(script)
        assert.isDefined(pgid)
        assert.isTrue(Cgi.groupMembers(pgid!).length > 0)
        c.leave(client.socket)
        assert.isTrue(yield* groupGone(pgid!))
      }))
  }

  it.scopedLive("stopping the server kills the scripts still running", () =>
    Effect.gen(function*() {
      const pgid = yield* Effect.scoped(Effect.gen(function*() {
        const { port } = yield* Cgi.start({ directory: root, cgi: { killGrace: "200 millis" }, config: { shutdownGrace: "100 millis" } })
        const client = yield* connect(port)
        const stubborn = newScript("stubborn")
        client.send(request("/cgi-bin/stubborn.sh/run"))
        return yield* Cgi.eventually(stubborn)
      }))
      assert.isDefined(pgid)
      assert.isTrue(yield* groupGone(pgid!))
    }))
})

describe("effect-httpd --cgi", () => {
  beforeAll(() => Cli.ensureBuilt(), 120_000)

  it.scopedLive("serves scripts and honours --cgi-timeout", () =>
    Effect.gen(function*() {
      const { port } = yield* Cli.serve(["0", "-b", "127.0.0.1", "-d", root, "--cgi", "--cgi-timeout", "0.5"])
      const res = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/cgi-bin/redirect.sh`, { redirect: "manual" }))
      assert.strictEqual(res.status, 302)
      assert.strictEqual(res.headers.get("location"), "/index.html")
      const stubborn = newScript("stubborn")
      const started = Date.now()
      const r = yield* get(port, "/cgi-bin/stubborn.sh/run")
      assert.strictEqual(r.status, 504)
      assert.isBelow(Date.now() - started, 2000)
      const pgid = stubborn()
      assert.isDefined(pgid)
      assert.isTrue(yield* groupGone(pgid!, 5000))
    }))

  it.scopedLive("SIGTERM leaves no script behind, and does not wait for one that ignores SIGTERM", () =>
    Effect.gen(function*() {
      const { port, running } = yield* Cli.serve(["0", "-b", "127.0.0.1", "-d", root, "--cgi", "--shutdown-grace", "0.5"])
      const slow = yield* connect(port)
      const stubborn = yield* connect(port)
      const slowScript = newScript("slow")
      const stubbornScript = newScript("stubborn")
      slow.send(request("/cgi-bin/slow.sh/run"))
      stubborn.send(request("/cgi-bin/stubborn.sh/run"))
      const pgids = yield* Cgi.eventually(() => {
        const a = slowScript()
        const b = stubbornScript()
        return a !== undefined && b !== undefined ? [a, b] : undefined
      })
      assert.isDefined(pgids)
      for (const pgid of pgids!) assert.isTrue(Cgi.groupMembers(pgid).length > 0)
      const signalled = Date.now()
      running.child.kill("SIGTERM")
      const finished = yield* running.exited
      assert.strictEqual(finished.code, 0)
      assert.isBelow(Date.now() - signalled, 2500)
      assert.isTrue(yield* Cgi.eventually(() => pgids!.every((pgid) => Cgi.groupMembers(pgid).length === 0), 3000))
    }))
})
