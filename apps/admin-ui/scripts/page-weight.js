// Prints the built UI's page weight: KB of JavaScript and CSS, raw and gzipped.
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const dir = path.resolve(__dirname, '../../../dist/apps/admin-ui/assets');
const sizes = { js: [0, 0], css: [0, 0] };
for (const f of fs.readdirSync(dir)) {
  const kind = path.extname(f).slice(1);
  if (!(kind in sizes)) continue;
  const data = fs.readFileSync(path.join(dir, f));
  sizes[kind][0] += data.length;
  sizes[kind][1] += zlib.gzipSync(data, { level: 9 }).length;
}
const kb = (n) => (n / 1024).toFixed(1);
console.log(
  `[admin-ui] page weight: JS ${kb(sizes.js[0])} KB (${kb(sizes.js[1])} KB gzipped), ` +
    `CSS ${kb(sizes.css[0])} KB (${kb(sizes.css[1])} KB gzipped)`,
);
