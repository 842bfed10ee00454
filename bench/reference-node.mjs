// The reference the benchmark compares against: a minimal static server on node:http + fs, the
// kind of thirty lines a Node user would write. Usage: node reference-node.mjs PORT ROOT [HOST [CERT KEY]]
// (with CERT and KEY it is the node:https reference).
// A .js file asked for with Accept-Encoding: br is brotli-coded on every request (as a server
// without a cache of coded bytes does), at the quality effect-httpd codes kept files with.
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Https from "node:https"
import * as Path from "node:path"
import * as Zlib from "node:zlib"

const [port, rootArg, host = "127.0.0.1", cert, key] = process.argv.slice(2)
const root = Path.resolve(rootArg)

const listing = (dir, urlPath, res) =>
  Fs.readdir(dir, { withFileTypes: true }, (err, entries) => {
    if (err) return res.writeHead(404).end()
    const items = entries.map((e) => {
      const name = e.name + (e.isDirectory() ? "/" : "")
      return `<li><a href="${encodeURIComponent(name)}">${name.replace(/[&<>]/g, "")}</a></li>`
    })
    const body = `<!DOCTYPE html><title>${urlPath}</title><ul>\n${items.join("\n")}\n</ul>\n`
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(body) })
    res.end(body)
  })

const sendFile = (file, size, res) => {
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": size })
  Fs.createReadStream(file).on("error", () => res.destroy()).pipe(res)
}

const sendBrotli = (file, res) =>
  Fs.readFile(file, (err, data) => {
    if (err) return res.writeHead(404).end()
    Zlib.brotliCompress(data, { params: { [Zlib.constants.BROTLI_PARAM_QUALITY]: 6 } }, (e, coded) => {
      if (e) return res.destroy()
      res.writeHead(200, { "content-type": "text/javascript", "content-encoding": "br", "content-length": coded.length })
      res.end(coded)
    })
  })

const handler = (req, res) => {
  let urlPath
  try {
    urlPath = decodeURIComponent(req.url.split("?")[0])
  } catch {
    return res.writeHead(400).end()
  }
  const file = Path.join(root, Path.normalize(urlPath))
  if (!file.startsWith(root)) return res.writeHead(404).end()
  Fs.stat(file, (err, st) => {
    if (err) return res.writeHead(404, { "content-type": "text/plain" }).end("not found\n")
    if (!st.isDirectory()) {
      return file.endsWith(".js") && /\bbr\b/.test(req.headers["accept-encoding"] ?? "") ? sendBrotli(file, res) : sendFile(file, st.size, res)
    }
    if (!urlPath.endsWith("/")) return res.writeHead(301, { location: urlPath + "/" }).end()
    const index = Path.join(file, "index.html")
    Fs.stat(index, (e, ist) => (e || !ist.isFile() ? listing(file, urlPath, res) : sendFile(index, ist.size, res)))
  })
}

const server = cert === undefined
  ? Http.createServer(handler)
  : Https.createServer({ cert: Fs.readFileSync(cert), key: Fs.readFileSync(key), minVersion: "TLSv1.2", ALPNProtocols: ["http/1.1"] }, handler)
server.listen(Number(port), host)
