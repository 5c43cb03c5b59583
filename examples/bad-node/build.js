// "Compile" step: copy sources to dist/ with a build stamp, as a TypeScript build would emit JS.
const fs = require("fs");
fs.mkdirSync("dist", { recursive: true });
for (const file of fs.readdirSync("src")) {
  fs.writeFileSync(`dist/${file}`, `// built ${process.env.BUILD_ID || "local"}\n` + fs.readFileSync(`src/${file}`, "utf8"));
}
