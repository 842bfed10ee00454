/** Test support: self-signed P-256 certificates for 127.0.0.1 made with openssl (before any server runs). */
import * as ChildProcess from "node:child_process"
import * as Path from "node:path"

/** Writes `<name>.crt` and `<name>.key` into `dir`, with the given serial; the key encrypted when a password is given. */
export const certificate = (dir: string, name: string, serial: string, password?: string): void => {
  ChildProcess.execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-days", "2", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1", "-set_serial", serial,
    "-keyout", Path.join(dir, `${name}.key`), "-out", Path.join(dir, `${name}.crt`),
    ...(password === undefined ? ["-nodes"] : ["-passout", `pass:${password}`])
  ], { stdio: "ignore" })
}
