/** The TLS listener (E4) with real TLS: Node's https, a silent client, plain HTTP, a reload. */
import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Https from "node:https"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Tls from "node:tls"
import * as AccessLog from "../src/AccessLog.js"
import * as ErrorFormatter from "../src/ErrorFormatter.js"
import * as FileHandler from "../src/FileHandler.js"
import * as FileSystem from "../src/FileSystem.js"
import * as HttpServer from "../src/HttpServer.js"
import * as HttpsListener from "../src/HttpsListener.js"
import * as Listener from "../src/Listener.js"
import * as ServerConfig from "../src/ServerConfig.js"
import * as TlsCerts from "./support/tls.js"

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-tls-"))
const site = Path.join(dir, "site")
const pem = (name: string) => Path.join(dir, name)

const certificate = (name: string, serial: string, password?: string) => TlsCerts.certificate(dir, name, serial, password)

beforeAll(() => {
  Fs.mkdirSync(site)
  Fs.writeFileSync(Path.join(site, "a.txt"), "over tls\n")
  certificate("one", "0x1001")
  certificate("two", "0x2002")
  certificate("locked", "0x3003", "s3cret")
})

const start = (options: HttpsListener.Options, lines: Array<string>) =>
  Effect.gen(function*() {
    const log = Layer.succeed(AccessLog.AccessLog, AccessLog.make((line) => lines.push(line)))
    const context = yield* Layer.build(Layer.mergeAll(
      HttpsListener.layer({ port: 0, host: "127.0.0.1", ...options }).pipe(Layer.provide(log)),
      FileHandler.layer({ directory: site }).pipe(Layer.provide(Layer.merge(FileSystem.layer, ErrorFormatter.layer))),
      ErrorFormatter.layer,
      log,
      ServerConfig.layer({ protocolVersion: "HTTP/1.1" })
    ))
    yield* Effect.forkScoped(Effect.provide(HttpServer.serve(), context))
    return { address: Context.get(context, Listener.Listener).address, reload: Context.get(context, HttpsListener.TlsReload).reload }
  })

/** An HTTPS GET trusting `ca`; the status, body, serial of the certificate seen, and the negotiated protocol. */
const get = (port: number, ca: string, agent?: Https.Agent) =>
  Effect.async<{ status: number; body: string; serial: string; protocol: string | null; alpn: string | false | null }>((resume) => {
    const options: Https.RequestOptions & Tls.ConnectionOptions = {
      host: "127.0.0.1", port, path: "/a.txt", ca: Fs.readFileSync(ca), agent, ALPNProtocols: ["http/1.1"]
    }
    const req = Https.get(options, (res) => {
      const socket = res.socket as Tls.TLSSocket
      const seen = { serial: socket.getPeerCertificate().serialNumber, protocol: socket.getProtocol(), alpn: socket.alpnProtocol }
      let body = ""
      res.on("data", (c) => (body += c))
      res.on("end", () => resume(Effect.succeed({ status: res.statusCode ?? 0, body, ...seen })))
    })
    req.on("error", (e) => resume(Effect.die(e)))
  })

const until = (done: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 100 && !done(); i++) yield* Effect.sleep("20 millis")
  })

describe("HttpsListener", () => {
  it.scopedLive("serves over TLS 1.3 with ALPN http/1.1; the address and banner say https", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const { address } = yield* start({ certFile: pem("one.crt"), keyFile: pem("one.key") }, lines)
      assert.strictEqual(address.scheme, "https")
      assert.match(HttpServer.banner(address), /^Serving HTTPS on 127\.0\.0\.1 port \d+ \(https:\/\/127\.0\.0\.1:\d+\/\) \.\.\.$/)
      const r = yield* get(address.port, pem("one.crt"))
      assert.deepStrictEqual([r.status, r.body, r.serial, r.protocol, r.alpn], [200, "over tls\n", "1001", "TLSv1.3", "http/1.1"])
      yield* until(() => lines.length > 0)
      assert.match(lines[0], /"GET \/a\.txt HTTP\/1\.1" 200 -/)
    }))

  it.scopedLive("an encrypted key with its password; a wrong password, a mismatched key or a missing file is one clear error", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const { address } = yield* start({ certFile: pem("locked.crt"), keyFile: pem("locked.key"), password: "s3cret" }, lines)
      assert.strictEqual((yield* get(address.port, pem("locked.crt"))).serial, "3003")
      const failure = (options: HttpsListener.Options) =>
        Effect.map(Effect.exit(Effect.scoped(start(options, []))), (exit) => {
          const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
          return failure._tag === "Some" ? (failure.value as { message: string }).message : "no failure"
        })
      assert.match(yield* failure({ certFile: pem("locked.crt"), keyFile: pem("locked.key"), password: "wrong" }), /wrong password/)
      assert.match(yield* failure({ certFile: pem("one.crt"), keyFile: pem("two.key") }), /does not match/)
      assert.match(yield* failure({ certFile: pem("missing.crt") }), /cannot read the TLS certificate .*missing\.crt: No such file or directory/)
      assert.match(yield* failure({ certFile: pem("one.crt") }), /cannot load|not a PEM/)
    }))

  it.effect("a wrong password is said as such for every encryption of a key, also when the wrong key's padding happens to check", () =>
    Effect.gen(function*() {
      // About one encryption in 256 decrypts under a wrong password to garbage with valid padding;
      // 2,000 fresh encryptions (random salt and IV each) all but surely include some.
      const { privateKey } = Crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" })
      const keyFile = pem("reencrypted.key")
      for (let i = 0; i < 2000; i++) {
        Fs.writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-128-cbc", passphrase: "right" }))
        const exit = yield* Effect.exit(HttpsListener.secureContext({ certFile: pem("one.crt"), keyFile, password: "wrong", port: 0 }))
        const message = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause))?.message : "no failure"
        assert.strictEqual(message, "cannot load the TLS certificate and key: wrong password, or the key cannot be decrypted", `encryption ${i}`)
      }
    }), 60_000)

  it.scopedLive("plain HTTP to the TLS port, and a client that never finishes its handshake: one log line each, others served", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const { address } = yield* start({ certFile: pem("one.crt"), keyFile: pem("one.key"), handshakeTimeoutMs: 300 }, lines)
      const plain = yield* Effect.async<string>((resume) => {
        const socket = Net.connect(address.port, "127.0.0.1", () => socket.write("GET / HTTP/1.0\r\n\r\n"))
        let data = ""
        socket.on("data", (c) => (data += c.toString("latin1")))
        socket.on("close", () => resume(Effect.succeed(data)))
        socket.on("error", () => {})
      })
      assert.notMatch(plain, /^HTTP\//)
      // Stalled handshakes (connected, silent) do not hold up a normal client.
      const silent = Array.from({ length: 50 }, () => Net.connect(address.port, "127.0.0.1").on("error", () => {}))
      yield* Effect.addFinalizer(() => Effect.sync(() => silent.forEach((s) => s.destroy())))
      const started = Date.now()
      assert.strictEqual((yield* get(address.port, pem("one.crt"))).status, 200)
      assert.isBelow(Date.now() - started, 250)
      yield* until(() => lines.filter((l) => l.includes("handshake timed out")).length >= 50)
      const tls = lines.filter((l) => l.includes("TLS handshake"))
      assert.strictEqual(tls.filter((l) => l.includes("timed out")).length, 50)
      assert.strictEqual(tls.filter((l) => l.includes("failed")).length, 1, tls.join(""))
      yield* until(() => silent.every((s) => s.destroyed))
      assert.isTrue(silent.every((s) => s.destroyed), "the server closed every silent client")
    }))

  it.scopedLive("reload: new connections see the new certificate, a kept connection keeps working; a bad pair keeps the old one", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const cert = pem("live.crt")
      const key = pem("live.key")
      Fs.copyFileSync(pem("one.crt"), cert)
      Fs.copyFileSync(pem("one.key"), key)
      const { address, reload } = yield* start({ certFile: cert, keyFile: key }, lines)
      const agent = new Https.Agent({ keepAlive: true, maxSockets: 1 })
      yield* Effect.addFinalizer(() => Effect.sync(() => agent.destroy()))
      assert.strictEqual((yield* get(address.port, pem("one.crt"), agent)).serial, "1001")
      Fs.copyFileSync(pem("two.crt"), cert)
      Fs.copyFileSync(pem("two.key"), key)
      yield* reload
      assert.strictEqual((yield* get(address.port, pem("one.crt"), agent)).serial, "1001", "the kept connection")
      assert.strictEqual((yield* get(address.port, pem("two.crt"))).serial, "2002", "a new connection")
      Fs.writeFileSync(cert, "not a certificate")
      assert.isTrue(Exit.isFailure(yield* Effect.exit(reload)))
      assert.strictEqual((yield* get(address.port, pem("two.crt"))).serial, "2002")
      assert.strictEqual(lines.filter((l) => l.includes("TLS reload failed")).length, 1)
    }))
})
