// HTTP service with a health endpoint and graceful shutdown on SIGTERM.
const http = require("http");
const ms = require("ms");

const started = Date.now();

const server = http.createServer((req, res) => {
  if (req.url === "/api/health") {
    res.writeHead(200, { "Content-Type": "application/json" });
    return res.end(JSON.stringify({ status: "ok", uptime: ms(Date.now() - started) }));
  }
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(JSON.stringify({ products: [] }));
});

server.listen(Number(process.env.PORT || 3000));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
