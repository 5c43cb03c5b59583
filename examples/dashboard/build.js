// Build step: render the static dashboard from src/ into build/ (no third-party bundler needed offline).
const fs = require("fs");
const path = require("path");

const out = path.join(__dirname, "build");
fs.mkdirSync(out, { recursive: true });
const template = fs.readFileSync(path.join(__dirname, "public", "index.html"), "utf8");
const script = fs.readFileSync(path.join(__dirname, "src", "app.js"), "utf8");
fs.writeFileSync(path.join(out, "index.html"), template.replace("<!-- app -->", `<script>${script}</script>`));
fs.writeFileSync(path.join(out, "health"), "ok\n");
console.log("built", fs.readdirSync(out).join(", "));
