// The upload bench's Node ceiling: a PUT receiver on node:net + fs with nothing else in the way
// (no parser beyond the head, no limits, no temporary file). It writes the body with one writev per
// 512 KiB while the next 512 KiB arrives, and stops reading while both are outstanding, as
// effect-httpd's --upload does. GET answers 200 (the bench's readiness probe).
// Usage: node reference-upload.mjs PORT DIR [HOST]
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"

const [port, dir, host = "127.0.0.1"] = process.argv.slice(2)
const BATCH = 512 * 1024

const receive = (socket, name, length, first) => {
  const fd = Fs.openSync(Path.join(dir, Path.basename(name)), "wx")
  let left = length
  let pending = []
  let pendingBytes = 0
  let writing = false
  const finish = () => {
    Fs.closeSync(fd)
    socket.end("HTTP/1.0 201 Created\r\nContent-Length: 0\r\n\r\n")
  }
  const write = () => {
    const buffers = pending
    pending = []
    pendingBytes = 0
    writing = true
    Fs.writev(fd, buffers, (err) => {
      writing = false
      if (err) return socket.destroy()
      socket.resume()
      if (left === 0) pending.length ? write() : finish()
      else if (pendingBytes >= BATCH) write()
    })
  }
  const data = (chunk) => {
    pending.push(chunk)
    pendingBytes += chunk.length
    left -= chunk.length
    if (left === 0) {
      socket.off("data", data)
      if (!writing) write()
    } else if (pendingBytes >= BATCH) {
      if (writing) socket.pause()
      else write()
    }
  }
  socket.on("data", data)
  if (first.length) data(first)
}

Net.createServer((socket) => {
  let head = Buffer.alloc(0)
  const onHead = (chunk) => {
    head = Buffer.concat([head, chunk])
    const end = head.indexOf("\r\n\r\n")
    if (end < 0) return
    socket.off("data", onHead)
    const text = head.toString("latin1", 0, end)
    const [method, target] = text.split(" ")
    if (method !== "PUT") return socket.end("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? 0)
    receive(socket, decodeURIComponent(target), length, head.subarray(end + 4))
  }
  socket.on("data", onHead)
  socket.on("error", () => {})
}).listen(Number(port), host)
