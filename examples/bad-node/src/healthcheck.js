// Container health check without curl: exit 0 when /api/health answers 200.
const http = require("http");
http
  .get({ host: "127.0.0.1", port: Number(process.env.PORT || 3000), path: "/api/health", timeout: 2000 }, (res) =>
    process.exit(res.statusCode === 200 ? 0 : 1))
  .on("error", () => process.exit(1));
