// The fastest any Node server can answer the 1 KiB test on this machine: node:net, the file's bytes
// from memory behind a fixed head, no parsing beyond finding each request's end. Keep-alive unless
// the request says `Connection: close` or is HTTP/1.0 (then it closes after the answer).
// Usage: node reference-net.mjs PORT ROOT [HOST]
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"

const [port, root, host = "127.0.0.1"] = process.argv.slice(2)
const body = Fs.readFileSync(Path.join(root, "1k.txt"))
const head = (close) =>
  Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n${close ? "Connection: close\r\n" : ""}\r\n`, "latin1")
const keep = Buffer.concat([head(false), body])
const last = Buffer.concat([head(true), body])

Net.createServer((socket) => {
  socket.setNoDelay(true)
  let pending = ""
  socket.on("data", (chunk) => {
    pending += chunk.toString("latin1")
    let end
    while ((end = pending.indexOf("\r\n\r\n")) >= 0) {
      const request = pending.slice(0, end)
      pending = pending.slice(end + 4)
      if (/ HTTP\/1\.0\r\n/.test(request.slice(0, request.indexOf("\r\n") + 2)) || /\r\nconnection: *close/i.test(request)) {
        socket.end(last)
        return
      }
      socket.write(keep)
    }
  })
  socket.on("error", () => {})
}).listen(Number(port), host)
