import sharp from 'sharp';
const [out, dir, ...files] = process.argv.slice(2);
const imgs = await Promise.all(files.map(async f => ({ f, m: await sharp(f).metadata() })));
const H = Math.max(...imgs.map(i => i.m.height)); const W = imgs.reduce((a, i) => a + i.m.width + 10, 0);
let x = 0; const comps = [];
for (const i of imgs) { comps.push({ input: i.f, left: x, top: 0 }); x += i.m.width + 10; }
await sharp({ create: { width: W, height: H, channels: 3, background: '#888' } }).composite(comps).png().toFile(out);
