#!/usr/bin/env node
// npm run bench: effect-httpd against reference servers on the same fixture, one server at a time,
// rounds interleaved, the same wrk load for each; prints medians, ratios and the issue's targets.
// Only ratios measured in one run mean anything: these machines are shared and noisy.
//
// env: BENCH_ROUNDS (3), BENCH_DURATION (5s), BENCH_WARMUP (1s of unmeasured load first), BENCH_PEERS=1 (also sirv-cli, http-server and serve,
// installed on demand into .bench-cache/), BENCH_TESTS (comma list, default all), BENCH_PORT (18181),
// BENCH_SERVERS (comma list of server names, default all), BENCH_NODE_FLAGS (effect-httpd's Node flags
// instead of its shebang's, to compare V8 settings over the same list: "" for none), BENCH_NODE_ENV
// (its environment assignments instead of the shebang's, e.g. "MALLOC_ARENA_MAX=8": "" for none).
// BENCH_PLATFORM_FLAGS: Node flags for both router servers and the app-alone measure (none by default), e.g.
// "--no-allocation-site-pretenuring" (see README: a pretenuring decision V8 takes in some runs and not
// others adds scavenging to every router request on both servers).
// BENCH_TESTS=platform_files_c64 runs the file handler on the platform alone (its table is printed
// after the main one). The router tests also run paired (both router servers at once, BENCH_PORT and
// the port after it): each round's CPU per request of both in one window.
import { execFile, execFileSync, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Tls from "node:tls"

const here = Path.dirname(new URL(import.meta.url).pathname)
const repo = Path.resolve(here, "..")
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const duration = process.env.BENCH_DURATION ?? "5s"
const warmup = process.env.BENCH_WARMUP ?? "1s"
const port = Number(process.env.BENCH_PORT ?? 18181)
const host = "127.0.0.1"

const has = (cmd) => {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}
if (!has("wrk")) {
  console.error("bench: wrk is not installed; it is the load generator (apt-get install wrk).")
  process.exit(2)
}
if (!Fs.existsSync(Path.join(repo, "dist", "cli.js"))) {
  console.error("bench: dist/cli.js is missing; run npm install (or npm run build) first.")
  process.exit(2)
}
const pin = has("taskset") && Os.cpus().length >= 2
const serverPrefix = pin ? ["taskset", "-c", "0"] : []
const clientPrefix = pin ? ["taskset", "-c", "1"] : []

// ---- fixture ----------------------------------------------------------------------------------
const root = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-bench-"))
const bytes = (n, seed) => {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff
  return b
}
Fs.writeFileSync(Path.join(root, "1k.txt"), bytes(1024, 1))
Fs.writeFileSync(Path.join(root, "100k.bin"), bytes(100 * 1024, 2))
Fs.writeFileSync(Path.join(root, "10m.bin"), bytes(10 * 1024 * 1024, 3))
// About 100 KiB of JavaScript-like text: what --compress codes once and keeps.
Fs.writeFileSync(Path.join(root, "100k.js"), Array.from({ length: 2600 }, (_, i) => `export const value${i} = ${i * 7} // ${"x".repeat(i % 13)}\n`).join(""))
Fs.mkdirSync(Path.join(root, "sub"))
Fs.writeFileSync(Path.join(root, "sub", "index.html"), "<!DOCTYPE html><title>sub</title><h1>index page</h1>\n")
Fs.mkdirSync(Path.join(root, "dir1000"))
for (let i = 0; i < 1000; i++) Fs.writeFileSync(Path.join(root, "dir1000", `file-${String(i).padStart(4, "0")}.txt`), `${i}\n`)

const platformServers = ["router on effect-httpd", "router on NodeHttpServer"]
// `headers`: sent with every request; `only`: the servers that run the test (default: all but the
// ones marked `only`, which run just the tests that name them).
const allTests = [
  { name: "small_c64", path: "/1k.txt", conns: 64 },
  { name: "inm304_c64", path: "/1k.txt", conns: 64, headers: () => [`If-None-Match: ${etag1k}`], only: ["effect-httpd"] },
  { name: "range1m_c8", path: "/10m.bin", conns: 8, headers: () => ["Range: bytes=4194304-5242879"], only: ["effect-httpd"] },
  { name: "compress_c8", path: "/100k.js", conns: 8, headers: () => ["Accept-Encoding: br"], only: ["effect-httpd --compress", "node:http"] },
  // A new connection for every request, said by the client (CONTRACT D13: the server says it back).
  { name: "close_c64", path: "/1k.txt", conns: 64, headers: () => ["Connection: close"] },
  { name: "tls_small_c64", path: "/1k.txt", conns: 64, tls: true, only: ["effect-httpd --tls", "node:https"] },
  { name: "tls_close_c16", path: "/1k.txt", conns: 16, tls: true, headers: () => ["Connection: close"], only: ["effect-httpd --tls", "node:https"] },
  { name: "notfound_c64", path: "/missing.txt", conns: 64 },
  { name: "notfound_close_c64", path: "/missing.txt", conns: 64, headers: () => ["Connection: close"] },
  { name: "mid_c64", path: "/100k.bin", conns: 64 },
  { name: "big_c8", path: "/10m.bin", conns: 8 },
  { name: "index_c64", path: "/sub/", conns: 64 },
  { name: "list_c8", path: "/dir1000/", conns: 8 },
  // The same directory as JSON (D12) and as the rich page (E5), each kept like CPython's page.
  { name: "list_json_c8", path: "/dir1000/", conns: 8, headers: () => ["Accept: application/json"], only: ["effect-httpd"] },
  { name: "list_rich_c8", path: "/dir1000/?sort=size&order=desc", conns: 8, only: ["effect-httpd --listing rich"] },
  // E9: the file handler served through @effect/platform (see `platformColumns` below).
  { name: "platform_files_c64", path: "/1k.txt", conns: 64, only: ["effect-httpd", "platform: mounted FileHandler", "platform: mounted FileHandler, our wire", "platform: HttpServerResponse.file"] },
  // The same @effect/platform HttpRouter app (bench/platform-app.mjs) on our wire and on NodeHttpServer.
  { name: "router_plain_c64", path: "/plaintext", conns: 64, only: platformServers },
  { name: "router_json_c64", path: "/json", conns: 64, only: platformServers },
  { name: "router_param_c64", path: "/users/42", conns: 64, only: platformServers },
  // E8: --workers 2 against --workers 1, neither pinned (wrk shares the cores: compare CPU µs/req too).
  { name: "workers_c64", path: "/1k.txt", conns: 64, only: ["effect-httpd --workers 1", "effect-httpd --workers 2"] }
]
// A self-signed certificate for the HTTPS tests (skipped without openssl).
const tlsMaterial = has("openssl")
  ? (() => {
    const cert = Path.join(root, ".cert.pem")
    const key = Path.join(root, ".key.pem")
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert], { stdio: "ignore" })
    return { cert, key }
  })()
  : undefined
const wanted = process.env.BENCH_TESTS?.split(",")
const tests = wanted ? allTests.filter((t) => wanted.includes(t.name)) : allTests

// ---- servers ----------------------------------------------------------------------------------
const node = process.execPath
// effect-httpd runs as its installed bin does (`npx effect-httpd`): with the environment and the
// Node flags of its shebang line (`#!/usr/bin/env -S NAME=VALUE node FLAGS`), under this bench's
// own node.
const cliPath = Path.join(repo, "dist", "cli.js")
const shebang = Fs.readFileSync(cliPath, "utf8").split("\n", 1)[0].replace(/^#!\s*/, "").split(/\s+/)
const words = (text) => text.split(/\s+/).filter((word) => word !== "")
/** Node flags of both router servers and of the app-alone measure. */
const platformFlags = words(process.env.BENCH_PLATFORM_FLAGS ?? "")
const bin = [node, ...(process.env.BENCH_NODE_FLAGS !== undefined ? words(process.env.BENCH_NODE_FLAGS) : shebang.slice(shebang.indexOf("node") + 1)), cliPath]
const binEnv = Object.fromEntries(
  (process.env.BENCH_NODE_ENV !== undefined ? words(process.env.BENCH_NODE_ENV) : shebang.slice(0, shebang.indexOf("node")))
    .filter((word) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(word))
    .map((word) => [word.slice(0, word.indexOf("=")), word.slice(word.indexOf("=") + 1)])
)
const servers = [
  {
    name: "effect-httpd",
    argv: [...bin, String(port), "--bind", host, "--directory", root, "--protocol", "HTTP/1.1"]
  },
  { name: "node:http", argv: [node, Path.join(here, "reference-node.mjs"), String(port), root, host] },
  { name: "cpython", argv: ["python3", "-m", "http.server", String(port), "--bind", host, "--directory", root] },
  {
    name: "effect-httpd --compress",
    argv: [...bin, String(port), "--bind", host, "--directory", root, "--protocol", "HTTP/1.1", "--compress"],
    only: true
  }
]
/** The bench's router app on `which` server ("wire" or "node"), listening on `on`. */
const routerServer = (name, which, on = port) =>
  ({ name, argv: [node, ...platformFlags, Path.join(here, "platform-app.mjs"), which, String(on), host], only: true, probe: "/plaintext", port: on })
servers.push(routerServer("router on effect-httpd", "wire"), routerServer("router on NodeHttpServer", "node"))
// `unpinned`: free to use every core (a pinned --workers 2 would share one).
for (const n of [1, 2]) {
  servers.push({
    name: `effect-httpd --workers ${n}`,
    argv: [...bin, String(port), "--bind", host, "--directory", root, "--protocol", "HTTP/1.1", "--workers", String(n)],
    only: true,
    unpinned: true
  })
}
servers.push({
  name: "effect-httpd --listing rich",
  argv: [...bin, String(port), "--bind", host, "--directory", root, "--protocol", "HTTP/1.1", "--listing", "rich"],
  only: true
})
// E9: an HttpRouter on NodeHttpServer serving the directory under /static (`prefix`: what the
// server's paths start with), with our FileHandler mounted, and with the platform's own file response.
servers.push(
  { name: "platform: mounted FileHandler", argv: [node, Path.join(here, "platform-files.mjs"), String(port), root, host, "mounted"], prefix: "/static", only: true },
  { name: "platform: HttpServerResponse.file", argv: [node, Path.join(here, "platform-files.mjs"), String(port), root, host, "file"], prefix: "/static", only: true },
  { name: "platform: mounted FileHandler, our wire", argv: [node, Path.join(here, "platform-files.mjs"), String(port), root, host, "wire"], prefix: "/static", only: true }
)
if (tlsMaterial !== undefined) {
  servers.push(
    {
      name: "effect-httpd --tls",
      argv: [...bin, String(port), "--bind", host, "--directory", root, "--protocol", "HTTP/1.1", "--tls-cert", tlsMaterial.cert, "--tls-key", tlsMaterial.key],
      only: true,
      tls: true
    },
    { name: "node:https", argv: [node, Path.join(here, "reference-node.mjs"), String(port), root, host, tlsMaterial.cert, tlsMaterial.key], only: true, tls: true }
  )
}
// A server's `only`: true (only the tests that name it), or the names of the plain tests it also runs.
const runs = (server, test) =>
  test.only ? test.only.includes(server.name) : Array.isArray(server.only) ? server.only.includes(test.name) : !server.only

// Ceilings (the performance issue): node:net answering the 1 KiB bytes from memory, and nginx when
// installed (one worker, sendfile, the combined access log to a file, as ../shared/bench/nginx.sh).
servers.push({ name: "node:net", argv: [node, Path.join(here, "reference-net.mjs"), String(port), root, host], only: ["small_c64", "close_c64"] })
if (has("nginx")) {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-bench-nginx-"))
  Fs.chmodSync(root, 0o755) // nginx's workers run as another user (mkdtemp makes the fixture 0700)
  Fs.writeFileSync(Path.join(dir, "nginx.conf"), [
    "worker_processes 1;", "daemon off;", `pid ${dir}/nginx.pid;`, `error_log ${dir}/error.log;`, "events { worker_connections 1024; }",
    "http {", "  include /etc/nginx/mime.types;", `  access_log ${dir}/access.log combined;`,
    "  sendfile on; tcp_nopush on; keepalive_requests 1000000;",
    `  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;`,
    `  server { listen ${host}:${port}; root ${root}; autoindex on; }`, "}", ""
  ].join("\n"))
  servers.push({ name: "nginx", argv: ["nginx", "-c", Path.join(dir, "nginx.conf")], only: ["small_c64", "close_c64", "notfound_close_c64", "list_c8"] })
}

if (process.env.BENCH_PEERS === "1") {
  const cache = Path.join(repo, ".bench-cache")
  const bin = (pkg, file) => Path.join(cache, "node_modules", pkg, file)
  if (!Fs.existsSync(bin("serve", "package.json"))) {
    console.log("bench: installing sirv-cli, http-server and serve into .bench-cache/ ...")
    execFileSync("npm", ["install", "--prefix", cache, "--no-audit", "--no-fund", "--no-save", "sirv-cli", "http-server", "serve"], {
      stdio: "inherit"
    })
  }
  const main = (pkg) => {
    const manifest = JSON.parse(Fs.readFileSync(bin(pkg, "package.json"), "utf8"))
    const entry = typeof manifest.bin === "string" ? manifest.bin : Object.values(manifest.bin)[0]
    return bin(pkg, entry)
  }
  servers.push(
    { name: "sirv-cli", argv: [node, main("sirv-cli"), root, "--port", String(port), "--host", host, "--quiet"] },
    { name: "http-server", argv: [node, main("http-server"), root, "-p", String(port), "-a", host, "-s"] },
    { name: "serve", argv: [node, main("serve"), "-l", `tcp://${host}:${port}`, "-L", root] }
  )
}

// ---- helpers ----------------------------------------------------------------------------------
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const get = (path, tls = false, on = port) =>
  new Promise((resolve) => {
    const send = () => socket.write(`GET ${path} HTTP/1.0\r\nHost: ${host}\r\n\r\n`)
    const socket = tls ? Tls.connect({ host, port: on, rejectUnauthorized: false }, send) : Net.connect({ host, port: on }, send)
    let data = ""
    socket.setEncoding("latin1")
    socket.on("data", (c) => (data += c))
    socket.on("close", () => resolve(Number(/^HTTP\/1\.\d (\d+)/.exec(data)?.[1] ?? 0)))
    socket.on("error", () => resolve(0))
    socket.setTimeout(2000, () => socket.destroy())
  })

// Every server still running, stopped (with its process group) however this script ends.
const running = new Set()
process.on("exit", () => {
  for (const pid of running) {
    try {
      process.kill(-pid, "SIGKILL")
    } catch {}
  }
})
const start = async (server) => {
  const prefix = server.unpinned ? [] : serverPrefix
  const child = spawn(prefix[0] ?? server.argv[0], [...prefix.slice(1), ...(prefix.length ? server.argv : server.argv.slice(1))], {
    stdio: "ignore",
    detached: true,
    env: server.argv.includes(cliPath) ? { ...process.env, ...binEnv } : process.env
  })
  running.add(child.pid)
  const started = Date.now()
  while (Date.now() - started < 15_000) {
    // The port must be answered by this child: one that exited (address in use) is not started.
    if (child.exitCode !== null || child.signalCode !== null) break
    if ((await get(server.probe ?? `${server.prefix ?? ""}/1k.txt`, server.tls, server.port)) === 200 && child.exitCode === null) return child
    await sleep(20)
  }
  await stop(child) // the whole group: nginx's workers too
  throw new Error(`${server.name} did not start`)
}

const stop = async (child) => {
  try {
    process.kill(-child.pid, "SIGKILL")
  } catch {
    child.kill("SIGKILL")
  }
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once("exit", r)))
  running.delete(child.pid)
  await sleep(200)
}

// A /proc file, or "" when its thread or process ended meanwhile (CPython starts a thread per request).
const procFile = (path) => {
  try {
    return Fs.readFileSync(path, "utf8")
  } catch {
    return ""
  }
}
// The server's processes: itself and, for --workers, its workers (and theirs).
const tree = (pid) => {
  let tasks = []
  try {
    tasks = Fs.readdirSync(`/proc/${pid}/task`)
  } catch {
    return []
  }
  return [pid, ...tasks.flatMap((t) => procFile(`/proc/${pid}/task/${t}/children`).split(" ").filter(Boolean).flatMap((c) => tree(Number(c))))]
}
// User and system time of every process of the server.
const cpuTicks = (pid) => tree(pid).reduce((sum, p) => {
  const stat = procFile(`/proc/${p}/stat`)
  if (stat === "") return sum
  const fields = stat.split(") ")[1].split(" ")
  return sum + Number(fields[11]) + Number(fields[12])
}, 0)
const peakRssKb = (pid) => Number(/VmHWM:\s+(\d+)/.exec(Fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1])
const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim())

const unit = { us: 0.001, ms: 1, s: 1000 }
const toMs = (text) => {
  const m = /([\d.]+)(us|ms|s)/.exec(text)
  return m ? Number(m[1]) * unit[m[2]] : NaN
}
const toMiB = (text) => {
  const m = /([\d.]+)([KMG]?B)/.exec(text)
  return m ? Number(m[1]) * { B: 1 / 1048576, KB: 1 / 1024, MB: 1, GB: 1024 }[m[2]] : NaN
}

const load = (test, pid, prefix = "") => {
  const headers = (test.headers?.() ?? []).flatMap((h) => ["-H", h])
  test = { ...test, path: prefix + test.path }
  // Unmeasured load first, so that every server is measured with its JIT warm.
  execFileSync(clientPrefix[0] ?? "wrk", [...clientPrefix.slice(1), ...(clientPrefix.length ? ["wrk"] : []), "-t1", `-c${test.conns}`, `-d${warmup}`, ...headers, `${test.tls ? "https" : "http"}://${host}:${port}${test.path}`], { stdio: "ignore" })
  const before = cpuTicks(pid)
  const args = [...clientPrefix, "wrk", "-t1", `-c${test.conns}`, `-d${duration}`, "--latency", ...headers, `${test.tls ? "https" : "http"}://${host}:${port}${test.path}`]
  const out = execFileSync(args[0], args.slice(1), { encoding: "utf8" })
  const cpu = cpuTicks(pid) - before
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0)
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    mibs: toMiB(/Transfer\/sec:\s+(\S+)/.exec(out)?.[1] ?? ""),
    p50: toMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? ""),
    p99: toMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? ""),
    cpuUsPerReq: requests > 0 ? (cpu / ticksPerSecond) * 1e6 / requests : NaN,
    errors: /Socket errors: (.*)/.exec(out)?.[1] ?? ""
  }
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

// ---- run --------------------------------------------------------------------------------------
console.log(`bench: ${rounds} rounds of ${duration} per test; ${pin ? "server on CPU 0, wrk on CPU 1" : "not pinned"}`)
console.log(`bench: ${Os.cpus()[0]?.model ?? "unknown CPU"}, ${Os.cpus().length} cores, node ${process.version}`)
// The 1 KiB file's entity tag, for the If-None-Match test.
const headOf = (path) =>
  new Promise((resolve) => {
    const socket = Net.connect({ host, port }, () => socket.write(`HEAD ${path} HTTP/1.0\r\n\r\n`))
    let data = ""
    socket.setEncoding("latin1")
    socket.on("data", (c) => (data += c))
    socket.on("close", () => resolve(data))
  })
const chosen = process.env.BENCH_SERVERS?.split(",")
if (chosen !== undefined) servers.splice(0, servers.length, ...servers.filter((s) => chosen.includes(s.name)))

let etag1k = ""
{
  const child = await start(servers.find((s) => s.name === "effect-httpd") ?? servers[0])
  etag1k = /^ETag: (.*)\r$/m.exec(await headOf("/1k.txt"))?.[1] ?? ""
  await stop(child)
}
const results = new Map() // `${server}|${test}` -> array of runs
const peaks = new Map()
for (let round = 1; round <= rounds; round++) {
  for (const server of servers) {
    if (!tests.some((test) => runs(server, test))) continue
    const child = await start(server)
    for (const test of tests.filter((t) => runs(server, t))) {
      const r = load(test, child.pid, server.prefix)
      const key = `${server.name}|${test.name}`
      results.set(key, [...(results.get(key) ?? []), r])
      process.stdout.write(`  round ${round} ${server.name.padEnd(13)} ${test.name.padEnd(13)} ${r.rps.toFixed(0).padStart(8)} req/s\n`)
    }
    peaks.set(server.name, Math.max(peaks.get(server.name) ?? 0, ...tree(child.pid).map(peakRssKb)))
    await stop(child)
  }
}

// E9, paired: both router servers at once on the server core, a wrk each on the client core, over
// the same window, so that the machine's other load (which moved one server's CPU µs per request by
// a third between rounds here) weighs on both alike. Each figure is higher than when the server runs
// alone (the two processes share one core and its caches); their ratio is what is compared.
const wrkAsync = (args) =>
  new Promise((resolve, reject) => execFile(args[0], args.slice(1), { encoding: "utf8" }, (error, out) => (error ? reject(error) : resolve(out))))
const pairedRouter = async (test) => {
  const pair = [routerServer(platformServers[0], "wire", port), routerServer(platformServers[1], "node", port + 1)]
  const children = []
  for (const server of pair) children.push(await start(server))
  const wrk = (server, time) =>
    wrkAsync([...clientPrefix, "wrk", "-t1", `-c${test.conns}`, `-d${time}`, `http://${host}:${server.port}${test.path}`])
  await Promise.all(pair.map((server) => wrk(server, warmup)))
  const before = children.map((child) => cpuTicks(child.pid))
  const outs = await Promise.all(pair.map((server) => wrk(server, duration)))
  const cpu = children.map((child, i) => cpuTicks(child.pid) - before[i])
  for (const child of children) await stop(child)
  return outs.map((out, i) => (cpu[i] / ticksPerSecond) * 1e6 / Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN))
}
const pairedTests = tests.filter((t) => t.name.startsWith("router_") && platformServers.every((name) => servers.some((s) => s.name === name)))
const paired = new Map() // test name -> [[ours, NodeHttpServer's] CPU µs/request] per round
for (let round = 1; round <= rounds; round++) {
  for (const test of pairedTests) {
    const [ours, theirs] = await pairedRouter(test)
    paired.set(test.name, [...(paired.get(test.name) ?? []), [ours, theirs]])
    process.stdout.write(`  round ${round} paired ${test.name.padEnd(16)} CPU µs/req ${ours.toFixed(1)} ours, ${theirs.toFixed(1)} NodeHttpServer\n`)
  }
}

// Upload (E7): a 100 MiB PUT to `--upload`, against `cp` of the same file on the same disk, rounds interleaved.
const uploadBench = async () => {
  const size = 100 * 1024 * 1024
  const work = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-bench-up-"))
  const source = Path.join(work, "source.bin")
  Fs.writeFileSync(source, bytes(size, 7))
  const served = Path.join(work, "root")
  Fs.mkdirSync(served)
  const server = { name: "effect-httpd --upload", argv: [...bin, String(port), "--bind", host, "--directory", served, "--upload"] }
  const ceiling = { name: "node:net receiver", argv: [node, Path.join(repo, "bench", "reference-upload.mjs"), String(port), served, host] }
  Fs.writeFileSync(Path.join(served, "1k.txt"), "x")
  // curl (C, pinned like wrk) when present, so the client's own speed limits the figure as little as possible.
  const putCurl = (name) => {
    const status = execFileSync(clientPrefix[0] ?? "curl", [...clientPrefix.slice(1), ...(clientPrefix.length ? ["curl"] : []),
      "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Expect:", "-T", source, `http://${host}:${port}/${name}`], { encoding: "utf8" })
    if (status !== "201") throw new Error(`upload: status ${status}`)
  }
  const putNode = (name) =>
    new Promise((resolve, reject) => {
      const socket = Net.connect({ host, port }, () => {
        socket.write(`PUT /${name} HTTP/1.0\r\nContent-Length: ${size}\r\n\r\n`)
        Fs.createReadStream(source, { highWaterMark: 256 * 1024 }).pipe(socket, { end: false })
      })
      let answer = ""
      socket.setEncoding("latin1")
      socket.on("data", (c) => (answer += c))
      socket.on("close", () => (answer.startsWith("HTTP/1.0 201") ? resolve() : reject(new Error(`upload: ${answer.slice(0, 60)}`))))
      socket.on("error", reject)
    })
  const put = has("curl") ? (name) => Promise.resolve(putCurl(name)) : putNode
  const timed = async (run) => {
    const t0 = process.hrtime.bigint()
    await run()
    return size / 1048576 / (Number(process.hrtime.bigint() - t0) / 1e9)
  }
  const up = []
  const ref = []
  const cp = []
  const serve = async (which, name) => {
    const child = await start(which)
    try {
      return await timed(() => put(name))
    } finally {
      await stop(child)
    }
  }
  for (let round = 1; round <= rounds; round++) {
    up.push(await serve(server, `up-${round}.bin`))
    ref.push(await serve(ceiling, `ref-${round}.bin`))
    cp.push(await timed(() => Promise.resolve(execFileSync("cp", [source, Path.join(work, `cp-${round}.bin`)]))))
    for (const f of ["up", "ref"].map((k) => Path.join(served, `${k}-${round}.bin`)).concat(Path.join(work, `cp-${round}.bin`))) Fs.rmSync(f)
  }
  Fs.rmSync(work, { recursive: true, force: true })
  return { up: median(up), ref: median(ref), cp: median(cp) }
}
const upload = process.env.BENCH_TESTS === undefined || wanted.includes("upload_100m") ? await uploadBench() : undefined

// Start-up of the CLI: launch to first 200, median of 10. Only when the CLI is in the run: its
// target is the CLI's, and another server's start-up (a router app's) is not what it judges.
const cli = servers.find((s) => s.name === "effect-httpd")
const startups = []
for (let i = 0; cli !== undefined && i < 10; i++) {
  const t0 = process.hrtime.bigint()
  const child = await start(cli)
  startups.push(Number(process.hrtime.bigint() - t0) / 1e6)
  await stop(child)
}

const med = (server, test, field) => median((results.get(`${server}|${test}`) ?? []).map((r) => r[field]))
console.log("")
console.log("test          server                     req/s     MiB/s   p50 ms   p99 ms  CPU µs/req")
for (const test of tests) {
  for (const server of servers.filter((s) => runs(s, test))) {
    const f = (field, digits) => med(server.name, test.name, field).toFixed(digits)
    console.log(
      `${test.name.padEnd(13)} ${server.name.padEnd(28)} ${f("rps", 0).padStart(8)} ${f("mibs", 1).padStart(9)} ${
        f("p50", 2).padStart(8)
      } ${f("p99", 2).padStart(8)} ${f("cpuUsPerReq", 0).padStart(10)}`
    )
  }
}
if (tests.some((t) => t.name === "workers_c64")) {
  const w = (n, field) => med(`effect-httpd --workers ${n}`, "workers_c64", field)
  console.log("")
  console.log(
    `--workers 2 vs --workers 1 (1 KiB c64, servers unpinned, ${pin ? "wrk on CPU 1" : "wrk unpinned"}): ${w(2, "rps").toFixed(0)} vs ${w(1, "rps").toFixed(0)} req/s (${(w(2, "rps") / w(1, "rps")).toFixed(2)}x), ` +
      `server CPU ${w(2, "cpuUsPerReq").toFixed(0)} vs ${w(1, "cpuUsPerReq").toFixed(0)} µs/req (all processes)`
  )
}
const errorsOf = (server, test) => (results.get(`${server}|${test}`) ?? []).map((r) => r.errors || "none").join("; ")
if (tests.some((t) => t.name === "close_c64")) {
  console.log("")
  console.log("wrk socket errors with Connection: close (D13 wants none): " + servers.filter((s) => runs(s, { name: "close_c64" })).map((s) => `${s.name}: ${errorsOf(s.name, "close_c64")}`).join(", "))
}
console.log("")
console.log("peak RSS over the run (MB): " + servers.filter((s) => peaks.has(s.name)).map((s) => `${s.name} ${(peaks.get(s.name) / 1024).toFixed(1)}`).join(", "))
const startup = cli === undefined ? undefined : median(startups)
if (startup !== undefined) console.log(`start-up to first 200, median of 10: ${startup.toFixed(0)} ms`)

// E9: the file handler four ways on the 1 KiB file, side by side. The column for our handler
// mounted in an HttpRouter on our own wire (the platform's HttpServer backed by our Listener and
// Connection) is to be added here, as a server named in `platform_files_c64` and in this list.
const platformColumns = [
  ["our CLI", "effect-httpd"],
  ["mounted, NodeHttpServer", "platform: mounted FileHandler"],
  ["mounted, our wire", "platform: mounted FileHandler, our wire"],
  ["HttpServerResponse.file", "platform: HttpServerResponse.file"]
]
if (tests.some((t) => t.name === "platform_files_c64")) {
  const cell = (server, field, digits) => med(server, "platform_files_c64", field).toFixed(digits).padStart(24)
  console.log("")
  console.log("FileHandler on the 1 KiB file through @effect/platform (keep-alive, 64 connections):")
  console.log(`${"".padEnd(20)}${platformColumns.map(([label]) => label.padStart(24)).join("")}`)
  for (const [label, field, digits] of [["req/s", "rps", 0], ["p50 ms", "p50", 2], ["p99 ms", "p99", 2], ["CPU µs/req", "cpuUsPerReq", 0]]) {
    console.log(`${label.padEnd(20)}${platformColumns.map(([, server]) => cell(server, field, digits)).join("")}`)
  }
  const file = "platform: HttpServerResponse.file"
  const rps = (server) => med(server, "platform_files_c64", "rps")
  console.log(`${"req/s vs .file".padEnd(20)}${platformColumns.map(([, server]) => `${(rps(server) / rps(file)).toFixed(2)}x`.padStart(24)).join("")}`)
  console.log(`${"req/s vs our CLI".padEnd(20)}${platformColumns.map(([, server]) => `${(rps(server) / rps("effect-httpd")).toFixed(2)}x`.padStart(24)).join("")}`)
}

// E9: how much of a router request is the platform's own work (the app without a socket, pinned
// like a server) and how much each server adds; and the ratio a wire as cheap as node:net's fixed
// answer could reach against NodeHttpServer.
const [wire, nodeServer] = platformServers
const routerTests = tests.filter((t) => t.name.startsWith("router_") && results.has(`${wire}|${t.name}`) && results.has(`${nodeServer}|${t.name}`))
if (routerTests.length > 0) {
  // The routes the servers were measured on, pinned to the servers' CPU.
  const argv = [node, ...platformFlags, Path.join(here, "platform-floor.mjs"), ...routerTests.map((t) => `${t.name}=${t.path}`)]
  const pinned = [...serverPrefix, ...argv]
  const floor = JSON.parse(execFileSync(pinned[0], pinned.slice(1), { encoding: "utf8" }))
  const net = med("node:net", "small_c64", "cpuUsPerReq")
  const cols = ["app alone", "via our adapters", "on our wire", "on NodeHttpServer", "our wire adds", "NodeHttpServer adds", "ceiling"]
  console.log("")
  console.log("the router app's CPU µs per request: alone (no socket, one fiber; bench/platform-floor.mjs) and served; the ceiling is")
  console.log("NodeHttpServer's / (app alone + node:net's fixed answer), the ratio a wire as cheap as node:net's could reach:")
  console.log(`${"".padEnd(8)}${cols.map((c) => c.padStart(20)).join("")}`)
  for (const { name: test } of routerTests) {
    const way = floor[test]
    const ours = med(wire, test, "cpuUsPerReq")
    const theirs = med(nodeServer, test, "cpuUsPerReq")
    const cells = [way.platform, way.adapters, ours, theirs, ours - way.adapters, theirs - way.platform].map((v) => v.toFixed(1))
    cells.push(Number.isFinite(net) ? `${(theirs / (way.platform + net)).toFixed(2)}x` : "(no node:net)")
    console.log(`${test.split("_")[1].padEnd(8)}${cells.map((c) => c.padStart(20)).join("")}`)
  }
}

if (paired.size > 0) {
  console.log("")
  console.log("router CPU µs per request, paired (both servers at once, the same window; median of rounds):")
  console.log(`${"".padEnd(8)}${["ours", "NodeHttpServer", "NodeHttpServer/ours"].map((c) => c.padStart(20)).join("")}`)
  for (const [test, runs] of paired) {
    const cells = [median(runs.map(([a]) => a)).toFixed(1), median(runs.map(([, b]) => b)).toFixed(1), `${median(runs.map(([a, b]) => b / a)).toFixed(2)}x`]
    console.log(`${test.split("_")[1].padEnd(8)}${cells.map((c) => c.padStart(20)).join("")}`)
  }
}

const ratio = (test, other, field = "rps") => med("effect-httpd", test, field) / med(other, test, field)
const across = (server, test, other, otherTest, field) => med(server, test, field) / med(other, otherTest, field)
const targets = [
  ["1 KiB keep-alive c64 vs node:http", ratio("small_c64", "node:http"), 3.5],
  ["304 If-None-Match vs node:http 1 KiB", across("effect-httpd", "inm304_c64", "node:http", "small_c64", "rps"), 1],
  ["1 MiB middle range vs node:http 10 MiB", across("effect-httpd", "range1m_c8", "node:http", "big_c8", "mibs"), 1],
  ["--compress 100 KiB JS vs coding each", across("effect-httpd --compress", "compress_c8", "node:http", "compress_c8", "rps"), 5],
  ["HTTPS 1 KiB keep-alive vs node:https", across("effect-httpd --tls", "tls_small_c64", "node:https", "tls_small_c64", "rps"), 1.2],
  ["HTTPS handshake rate vs node:https", across("effect-httpd --tls", "tls_close_c16", "node:https", "tls_close_c16", "rps"), 1],
  ["1 KiB keep-alive c64 vs cpython", ratio("small_c64", "cpython"), 10],
  ["404 vs node:http", ratio("notfound_c64", "node:http"), 1],
  ["10 MiB MiB/s vs node:http", ratio("big_c8", "node:http", "mibs"), 1],
  ["1000-entry listing vs cpython", ratio("list_c8", "cpython"), 4],
  ["rich 1000-entry listing vs cpython's", across("effect-httpd --listing rich", "list_rich_c8", "cpython", "list_c8", "rps"), 20],
  ["JSON 1000-entry listing vs our page", across("effect-httpd", "list_json_c8", "effect-httpd", "list_c8", "rps"), 1]
]
targets.push(
  ["router plaintext c64 vs NodeHttpServer", across(platformServers[0], "router_plain_c64", platformServers[1], "router_plain_c64", "rps"), 1.5]
)
for (const test of ["router_plain_c64", "router_json_c64", "router_param_c64"]) {
  // CPU per request: lower is better, so the target is the inverse ratio.
  targets.push([`router ${test.split("_")[1]} CPU/req NodeHttpServer/ours`, across(platformServers[1], test, platformServers[0], test, "cpuUsPerReq"), 1])
  const runs = paired.get(test) ?? []
  targets.push([`  ... paired`, runs.length > 0 ? median(runs.map(([a, b]) => b / a)) : NaN, 1])
}
if (servers.some((s) => s.name === "sirv-cli")) targets.push(["1 KiB keep-alive c64 vs sirv-cli", ratio("small_c64", "sirv-cli"), 1.5])
if (servers.some((s) => s.name === "sirv-cli")) targets.push(["404 Connection: close vs sirv-cli", ratio("notfound_close_c64", "sirv-cli"), 1])
targets.push(["1 KiB keep-alive c64 vs node:net", ratio("small_c64", "node:net"), 0.8], ["1 KiB close c64 vs node:net", ratio("close_c64", "node:net"), 0.8])
if (servers.some((s) => s.name === "nginx")) targets.push(["1 KiB keep-alive c64 vs nginx", ratio("small_c64", "nginx"), 1], ["1 KiB close c64 vs nginx", ratio("close_c64", "nginx"), 0.5])
console.log("")
console.log("ratios of effect-httpd (targets from the performance issues; MiB/s for the range, req/s otherwise):")
for (const [what, value, target] of targets) {
  if (!Number.isFinite(value)) continue
  console.log(`  ${what.padEnd(36)} ${value.toFixed(2).padStart(6)}x  (target >= ${target}x)  ${value >= target ? "met" : "NOT met"}`)
}
if (upload !== undefined) {
  const r = upload.up / upload.cp
  console.log(`  ${"100 MiB PUT --upload vs cp".padEnd(36)} ${r.toFixed(2).padStart(6)}x  (target >= 0.5x)  ${r >= 0.5 ? "met" : "NOT met"}  (upload ${upload.up.toFixed(0)} MiB/s, cp ${upload.cp.toFixed(0)} MiB/s)`)
  console.log(`  ${"  ... the node:net receiver vs cp".padEnd(36)} ${(upload.ref / upload.cp).toFixed(2).padStart(6)}x  (the Node ceiling, ${upload.ref.toFixed(0)} MiB/s; --upload is ${(upload.up / upload.ref).toFixed(2)}x of it)`)
}
const rss = peaks.get("effect-httpd") / 1024
if (Number.isFinite(rss)) console.log(`  ${"peak RSS".padEnd(36)} ${rss.toFixed(1).padStart(6)} MB (target <= 80 MB)  ${rss <= 80 ? "met" : "NOT met"}`)
if (startup !== undefined) {
  console.log(`  ${"start-up to first response".padEnd(36)} ${startup.toFixed(0).padStart(6)} ms (target <= 250 ms) ${startup <= 250 ? "met" : "NOT met"}`)
}
Fs.rmSync(root, { recursive: true, force: true })
