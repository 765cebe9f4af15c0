// Loaded with `node --import` before every npm script's entry point. Plain JavaScript that any
// Node can parse, so an old Node gets one clear line instead of ERR_UNKNOWN_FILE_EXTENSION.
// `npm install` provides Node 24 in node_modules/.bin (the `node` devDependency) and npm scripts
// run it, so this fires only when a script is started by hand with an old Node.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `groupsync: needs Node >= 22.12, but this is Node ${process.version} (${process.execPath}). ` +
      "Run it through npm (`npm run dev`, `npm test`), which uses the Node 24 that `npm install` put in node_modules/.bin, or run node_modules/.bin/node yourself.",
  );
  process.exit(1);
}
