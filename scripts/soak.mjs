#!/usr/bin/env node
// Soak test (not part of `npm test`): 100k mixed requests over keep-alive and short connections
// against the built CLI; prints the server's RSS and open descriptors before and after, and fails
// when RSS grew by 10 MB or more or descriptors leaked. Usage: npm run soak [-- <requests>]
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"

const total = Number(process.argv[2] ?? 100_000)
const concurrency = 50
const cli = new URL("../dist/cli.js", import.meta.url).pathname

const root = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-soak-"))
Fs.writeFileSync(Path.join(root, "small.txt"), "x".repeat(1024))
Fs.writeFileSync(Path.join(root, "big.bin"), Buffer.alloc(1024 * 1024, 1))
Fs.mkdirSync(Path.join(root, "dir"))
for (let i = 0; i < 100; i++) Fs.writeFileSync(Path.join(root, "dir", `f${i}.txt`), String(i))

const server = spawn(process.execPath, [cli, "0", "--bind", "127.0.0.1", "--directory", root, "--protocol", "HTTP/1.1"], {
  stdio: ["ignore", "pipe", "ignore"]
})
const port = await new Promise((resolve, reject) => {
  let out = ""
  server.stdout.on("data", (c) => {
    out += c
    const m = / port (\d+) /.exec(out)
    if (m) resolve(Number(m[1]))
  })
  server.on("exit", (code) => reject(new Error(`server exited with ${code}`)))
})

const status = () => {
  const text = Fs.readFileSync(`/proc/${server.pid}/status`, "utf8")
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(text)[1])
  return { rssMiB: kb("VmRSS") / 1024, fds: Fs.readdirSync(`/proc/${server.pid}/fd`).length }
}

const keepAlive = new Http.Agent({ keepAlive: true, maxSockets: concurrency })
const kinds = [
  { path: "/small.txt", agent: keepAlive },
  { path: "/small.txt", agent: false, headers: { Connection: "close" } },
  { path: "/dir/", agent: keepAlive },
  { path: "/missing", agent: keepAlive },
  { path: "/dir", agent: keepAlive },
  { path: "/big.bin", agent: keepAlive },
  { path: "/small.txt", agent: keepAlive, method: "HEAD" },
  { path: "/small.txt", agent: keepAlive, headers: { "If-Modified-Since": "Sun, 06 Nov 2094 08:49:37 GMT" } }
]

const request = (i) =>
  new Promise((resolve, reject) => {
    if (i % 500 === 499) {
      // An aborted download: connect, ask for the big file, reset after the first bytes.
      const socket = Net.connect({ port, host: "127.0.0.1" }, () => socket.write("GET /big.bin HTTP/1.1\r\n\r\n"))
      socket.once("data", () => socket.resetAndDestroy())
      socket.on("close", () => resolve())
      socket.on("error", () => resolve())
      return
    }
    const kind = kinds[i % kinds.length]
    const req = Http.request({ host: "127.0.0.1", port, method: kind.method ?? "GET", path: kind.path, agent: kind.agent, headers: kind.headers }, (res) => {
      res.on("data", () => {})
      res.on("end", resolve)
      res.on("error", reject)
    })
    req.on("error", reject)
    req.end()
  })

const run = async (count) => {
  let next = 0
  let failed = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      await request(i).catch(() => failed++)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return failed
}

// Warm-up: JIT, buffers, pools and V8's young generation reach their working size, and the files
// settle (caches keep only files unchanged for two seconds). Time-based: a faster server needs more
// requests for the same growth. A leak shows as growth that goes on with the number of requests.
const warmUntil = Date.now() + 5_000
do await run(5_000)
while (Date.now() < warmUntil)
keepAlive.destroy()
await new Promise((r) => setTimeout(r, 500))
const before = status()
const started = Date.now()
const failed = await run(total)
keepAlive.destroy()
await new Promise((r) => setTimeout(r, 1000))
const after = status()
const seconds = (Date.now() - started) / 1000
server.kill("SIGTERM")
Fs.rmSync(root, { recursive: true, force: true })

const growth = after.rssMiB - before.rssMiB
console.log(`requests: ${total} in ${seconds.toFixed(1)} s (${Math.round(total / seconds)}/s), failed: ${failed}`)
console.log(`RSS: ${before.rssMiB.toFixed(1)} MiB -> ${after.rssMiB.toFixed(1)} MiB (growth ${growth.toFixed(1)} MiB)`)
console.log(`descriptors: ${before.fds} -> ${after.fds}`)
const ok = growth < 10 && after.fds <= before.fds + 2 && failed === 0
console.log(ok ? "soak: OK" : "soak: FAILED")
process.exit(ok ? 0 : 1)
