#!/usr/bin/env node
// Decodes an ESC/POS file with an independent parser, for printers/tests/encoding.rs:
// `node decode.js file.bin` prints JSON with the commands npos recognises and the text runs
// between them, decoded with the code page the bytes selected (`ESC t n`).
//
// npos (0.1.19) splits the bytes into commands by its own rule table; nothing here knows how
// comanda-printers encodes. Its stock table has no rule for `GS ( k` (QR codes and other 2D
// symbols): a stock parse of a document with a QR code fails. We report that failure, then add
// the one rule through npos's documented way of extending its rules (`GS ( k pL pH …`, a
// 16-bit little-endian length, like its `GS ( K` rule) and parse again.
//
// Text is decoded with Node's TextDecoder where it has the page and decodes it right
// (Windows-1252), otherwise with iconv-lite, the decoder npos itself uses for text (CP437 and
// CP858; Windows-1252 too on Node versions whose TextDecoder decodes it as Latin-1, turning
// 0x80 into U+0080 instead of "€": nodejs/node#56542, Node 20 among them).

'use strict';

const fs = require('fs');
const npos = require('npos');
const iconv = require('iconv-lite');

function windows1252() {
  try {
    const decoder = new TextDecoder('windows-1252');
    if (decoder.decode(Uint8Array.of(0x80, 0x9c)) === '\u20ac\u0153') {
      return { decode: (bytes) => decoder.decode(bytes), by: 'TextDecoder' };
    }
  } catch (err) {
    // No such encoding in this Node build: fall through.
  }
  return { decode: (bytes) => iconv.decode(bytes, 'windows-1252'), by: 'iconv-lite' };
}

// ESC t n → how to decode text in that table (Epson's numbering).
const CODE_PAGES = {
  0: { decode: (bytes) => iconv.decode(bytes, 'cp437'), by: 'iconv-lite' },
  16: windows1252(),
  19: { decode: (bytes) => iconv.decode(bytes, 'cp858'), by: 'iconv-lite' },
};

// Names for the commands the tests look for; anything else is reported as "other".
const NAMES = {
  'ESC @': 'init',
  'ESC t': 'code_page',
  'ESC E': 'bold',
  'GS !': 'size',
  'ESC -': 'underline',
  'GS B': 'inverse',
  'ESC a': 'align',
  'GS V': 'cut',
  'ESC p': 'drawer_kick',
  'GS (k': 'qr',
};

async function parse(raw, rules) {
  const parser = rules ? npos.parser(rules) : npos.parser();
  return parser.parse(raw);
}

async function main() {
  const file = process.argv[2];
  if (!file) {
    throw new Error('usage: node decode.js file.bin');
  }
  const raw = fs.readFileSync(file);

  let stock;
  try {
    await parse(raw);
    stock = { ok: true, error: null };
  } catch (err) {
    stock = { ok: false, error: err.message };
  }

  const rules = structuredClone(npos.rules);
  rules[npos.symbols.GS]['(k'] = [0, 'd16'];
  const ast = await parse(raw, rules);

  let page = 0; // ESC @ leaves the printer on its default table, CP437 on Epson printers
  let unknownPage = null;
  const items = [];
  for (const node of ast.tree) {
    const bytes = raw.subarray(node.offset, node.offset + node.length);
    if (node.ascii === 'STX') {
      const decoder = CODE_PAGES[page];
      if (!decoder) {
        unknownPage = page;
      }
      items.push({ kind: 'text', text: decoder ? decoder.decode(bytes) : bytes.toString('latin1'), by: decoder ? decoder.by : null });
      continue;
    }
    const fn = node.fn || '';
    const code = `${node.ascii} ${fn}`;
    const args = Array.from(bytes.subarray(1 + fn.length));
    const item = { kind: 'command', name: NAMES[code] || 'other', code, args, data: null };
    if (item.name === 'code_page') {
      page = args[0];
    }
    // GS ( k pL pH cn fn …: a QR code's data is stored by fn 80 (cn 49), after m = 48.
    if (item.name === 'qr' && args[2] === 49 && args[3] === 80) {
      item.data = Buffer.from(args.slice(5)).toString('utf8');
    }
    items.push(item);
  }

  const out = { stock, added_rules: ['GS ( k'], unknown_code_page: unknownPage, items };
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((err) => {
  process.stderr.write(`decode.js: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
