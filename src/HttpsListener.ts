/**
 * The listening socket over TLS: replaces CPython 3.14's `HTTPSServer` binding (`--tls-cert`,
 * `--tls-key`, `--tls-password-file`). `HttpServer` over it is `HTTPSServer` (serial) or
 * `ThreadingHTTPSServer` (concurrent). Unlike CPython, each handshake runs on its own connection (a
 * silent client stalls nobody), must finish within a time limit, costs at most one log line when it
 * fails, and the certificate can be reloaded for new connections without a restart.
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Tls from "node:tls"
import * as AccessLog from "./AccessLog.js"
import * as SystemError from "./internal/SystemError.js"
import * as Listener from "./Listener.js"
import * as ProxyProtocol from "./ProxyProtocol.js"

/** Where the certificate and key are, and how long a handshake may take. */
export interface Options extends Listener.Options {
  /** PEM certificate chain; it may hold the key too (`--tls-cert`). */
  readonly certFile: string
  /** PEM private key, when not in the certificate file (`--tls-key`). */
  readonly keyFile?: string | undefined
  /** The key's password (`--tls-password-file`'s content, stripped). */
  readonly password?: string | undefined
  /** Time a client has to complete its handshake (the command line uses the head timeout); 30 s by default. */
  readonly handshakeTimeoutMs?: number | undefined
  /**
   * Each connection starts with a PROXY protocol header, before the handshake (`--proxy-protocol`):
   * its source becomes the client address. It must arrive within the handshake's time limit.
   */
  readonly proxyProtocol?: boolean | undefined
}

/** The certificate or key cannot be used: a file is missing or unreadable, the PEM is bad, or the password is wrong. */
export class TlsError extends Data.TaggedError("TlsError")<{
  readonly message: string
}> {}

/** Reloads certificate and key from their files, for connections made from now on (the command line does it on SIGHUP). */
export class TlsReload extends Context.Tag("effect-httpd/TlsReload")<TlsReload, {
  readonly reload: Effect.Effect<void, TlsError>
}>() {}

const read = (file: string, what: string): Buffer => {
  try {
    return Fs.readFileSync(file)
  } catch (e) {
    throw new TlsError({ message: `cannot read the TLS ${what} ${file}: ${SystemError.describe(e)}` })
  }
}

const WRONG_PASSWORD = "wrong password, or the key cannot be decrypted"

/**
 * An encrypted key is opened on its own first. A wrong password decrypts to garbage that ends in
 * valid CBC padding about once in 256 tries (the salt and IV are random per key); OpenSSL then
 * reports the garbage's ASN.1 error instead of "bad decrypt", so any failure to open an encrypted
 * key means its password.
 */
const openKey = (key: Buffer, passphrase: string | undefined): void => {
  if (!key.includes("ENCRYPTED")) return
  try {
    Crypto.createPrivateKey({ key, format: "pem", passphrase })
  } catch {
    throw new TlsError({ message: `cannot load the TLS certificate and key: ${WRONG_PASSWORD}` })
  }
}

/** Reads the files and builds the secure context, or fails with one line saying why. */
export const secureContext = (options: Options): Effect.Effect<Tls.SecureContextOptions, TlsError> =>
  Effect.try({
    try: () => {
      const cert = read(options.certFile, "certificate")
      const key = options.keyFile === undefined ? cert : read(options.keyFile, "key")
      const context: Tls.SecureContextOptions = {
        cert,
        key,
        passphrase: options.password,
        minVersion: "TLSv1.2",
        maxVersion: "TLSv1.3"
      }
      // Parsed now, so that a bad PEM or a wrong password is a start-up error, not a failed handshake.
      openKey(key, options.password)
      Tls.createSecureContext(context)
      return context
    },
    catch: (e) => e instanceof TlsError ? e : new TlsError({ message: `cannot load the TLS certificate and key: ${tlsReason(e)}` })
  })

/** OpenSSL's reasons, in words (`error:1C800064:Provider routines::bad decrypt` is a wrong password). */
const tlsReason = (e: unknown): string => {
  const text = e instanceof Error ? e.message : String(e)
  if (/bad decrypt|bad password/i.test(text)) return WRONG_PASSWORD
  if (/key values mismatch/i.test(text)) return "the key does not match the certificate"
  if (/no start line|bad end line|PEM/i.test(text)) return "not a PEM certificate or key"
  return text
}

const handshakeFailure = (error: NodeJS.ErrnoException): string =>
  error.code === "ERR_TLS_HANDSHAKE_TIMEOUT" ? "TLS handshake timed out" : `TLS handshake failed: ${error.code ?? error.message}`

/**
 * Listens with `node:net`, reads each connection's PROXY header, then hands the socket to the TLS
 * server (its `connection` event), which finds the bytes after the header still in the socket.
 * The TLS socket reports the real peer, which identifies the header's source until the handshake
 * is over.
 */
const behindProxy = (server: Tls.Server, log: AccessLog.Service, options: Options) =>
  Effect.gen(function*() {
    const timeoutMs = options.handshakeTimeoutMs ?? 30_000
    const raw = Net.createServer(Listener.serverOptions)
    const sources = new Map<string, Extract<ProxyProtocol.Outcome, { _tag: "Header" }>>()
    const peerOf = (socket: Net.Socket) => `${socket.remoteAddress} ${socket.remotePort}`
    const tcp = yield* Listener.bind(raw, "connection", options, "https")
    const waiting = new Set<Net.Socket>()
    const accept = (onSocket: (socket: Listener.Socket) => void) => {
      const onSecure = (socket: Tls.TLSSocket) => {
        const key = peerOf(socket)
        const header = sources.get(key)
        sources.delete(key)
        onSocket(ProxyProtocol.readdress(socket, header?.source))
      }
      return Effect.acquireUseRelease(
        Effect.sync(() => server.on("secureConnection", onSecure)),
        () =>
          tcp.accept((accepted) => {
            // Bound with node:net above: every accepted socket is a net.Socket.
            const socket = accepted as Net.Socket
            const peer = socket.remoteAddress ?? "-"
            waiting.add(socket)
            ProxyProtocol.readBeforeTls(socket, timeoutMs, (outcome) => {
              waiting.delete(socket)
              if (outcome._tag === "Failed") {
                if (outcome.message !== undefined) Effect.runFork(AccessLog.logError(log, peer, outcome.message))
                return
              }
              const key = peerOf(socket)
              sources.set(key, outcome)
              socket.once("close", () => {
                if (sources.get(key) === outcome) sources.delete(key)
              })
              server.emit("connection", socket)
            })
          }),
        () => Effect.sync(() => server.off("secureConnection", onSecure))
      )
    }
    // Stopping also closes the connections still waiting for their header.
    const stop = Effect.zipRight(tcp.stop, Effect.sync(() => waiting.forEach((socket) => socket.destroy())))
    return { ...tcp, accept, stop } satisfies Listener.Service
  })

/**
 * Binds with `node:tls` (TLS 1.2 and 1.3, ALPN `http/1.1`). A failed or abandoned handshake is one
 * line in the access log; the `TlsReload` service swaps in the certificate and key as they are
 * now on disk, and keeps the old pair (with one log line) when they cannot be loaded.
 */
export const layer = (options: Options): Layer.Layer<Listener.Listener | TlsReload, TlsError | Listener.ListenError, AccessLog.AccessLog> =>
  Layer.scopedContext(
    Effect.gen(function*() {
      const log = yield* AccessLog.AccessLog
      const context = yield* secureContext(options)
      const server = Tls.createServer({
        ...Listener.serverOptions,
        ...context,
        ALPNProtocols: ["http/1.1"],
        // setTimeout cannot wait longer (a longer time limit prints a TimeoutOverflowWarning and is cut).
        handshakeTimeout: Math.min(options.handshakeTimeoutMs ?? 30_000, 2 ** 31 - 1)
      })
      // With a listener for it, Node leaves the socket open: it must be destroyed here.
      server.on("tlsClientError", (error: NodeJS.ErrnoException, socket: Tls.TLSSocket) => {
        const client = socket.remoteAddress ?? "-"
        socket.destroy()
        Effect.runFork(AccessLog.logError(log, client, handshakeFailure(error)))
      })
      const listener = options.proxyProtocol
        ? yield* behindProxy(server, log, options)
        : yield* Listener.bind(server, "secureConnection", options, "https")
      const reload = Effect.matchEffect(secureContext(options), {
        onFailure: (error) =>
          Effect.zipRight(AccessLog.logError(log, "-", `TLS reload failed, keeping the current certificate: ${error.message}`), Effect.fail(error)),
        onSuccess: (next) => Effect.sync(() => server.setSecureContext(next))
      })
      return Context.make(Listener.Listener, listener).pipe(Context.add(TlsReload, { reload }))
    })
  )
