const t0 = performance.now()
const mods = process.argv.slice(2)
for (const m of mods) await import(m)
console.log(mods.join(" "), (performance.now()-t0).toFixed(0), "ms")
