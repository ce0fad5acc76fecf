import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { defineConfig, type Plugin } from 'vite';

/**
 * The minifier leaves template literals alone, so the element's stylesheet (a css`` literal in
 * *.styles.ts, with its comments) would ship as written: this strips comments and the whitespace
 * around braces, semicolons and commas (about 0.6 KB gzip of the 35 KB budget). Whitespace before
 * a colon stays (`.a :focus` is not `.a:focus`), and so does any inside a value.
 */
function minifyCss(): Plugin {
  return {
    name: 'happening:minify-css',
    transform(code, id) {
      if (!id.endsWith('.styles.ts')) return null;
      const minified = code.replace(/css`([^`]*)`/g, (_all, text: string) => {
        const minified = text
          .replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/\s+/g, ' ')
          .replace(/\s*([{};,>])\s*/g, '$1')
          .replace(/:\s+/g, ':')
          .replace(/;}/g, '}')
          .trim();
        return `css\`${minified}\``;
      });
      // No source map of its own: only the one literal changes.
      return { code: minified, map: null };
    },
  };
}

/**
 * Likewise Lit's html`` templates: each run of whitespace that holds a line break (indentation,
 * which HTML renders as at most one space anyway) becomes one space, and none between two tags
 * (the templates put no inline elements side by side across lines). Found with the TypeScript
 * parser, so only template text changes, never the code in its `${…}` expressions.
 */
function minifyHtml(): Plugin {
  return {
    name: 'happening:minify-html',
    transform(code, id) {
      if (!/happening-seat-picker\/[\w.-]+\.ts$/.test(id) || !code.includes('html`')) return null;
      const source = ts.createSourceFile(id, code, ts.ScriptTarget.Latest, true);
      const edits: { start: number; end: number }[] = [];
      const visit = (node: ts.Node): void => {
        if (ts.isTaggedTemplateExpression(node) && node.tag.getText(source) === 'html') {
          const template = node.template;
          const parts = ts.isNoSubstitutionTemplateLiteral(template)
            ? [template]
            : [template.head, ...template.templateSpans.map((span) => span.literal)];
          for (const part of parts) edits.push({ start: part.getStart(source), end: part.getEnd() });
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
      let out = '';
      let at = 0;
      for (const { start, end } of edits.sort((a, b) => a.start - b.start)) {
        if (start < at) continue;
        const text = code
          .slice(start, end)
          .replace(/>[ \t]*\n\s*</g, '><')
          .replace(/[ \t]*\n\s*/g, ' ');
        out += code.slice(at, start) + text;
        at = end;
      }
      return { code: out + code.slice(at), map: null };
    },
  };
}

/**
 * Library mode: one self-contained ES module (Lit, socket.io-client and our code) plus its source
 * map, so a partner page needs exactly one <script type="module"> and no import map.
 */
/**
 * The widget's socket only ever uses WebSocket (live-connection.ts: `transports: ['websocket']`),
 * but engine.io-client's table of transports pulls HTTP long-polling and WebTransport into the
 * bundle with it, and its index re-exports them (polling's module has top-level side effects, so
 * tree-shaking keeps it). Its socket gets a table with WebSocket alone, and its index's re-exports
 * of the transport classes, which nothing here imports, become empty (about 2.5 KB gzip in all).
 */
function websocketOnly(): Plugin {
  const table = '\0happening:websocket-only';
  const none = '\0happening:no-transports';
  let dir = '';
  return {
    name: 'happening:websocket-only',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('engine.io-client/build/esm/socket.js')) return null;
      return { code: withoutUpgradeProbe(code, id), map: null };
    },
    resolveId(source, importer) {
      const from = importer?.match(/engine\.io-client\/build\/esm\/(socket|index)\.js$/)?.[1];
      if (!from || !source.startsWith('./transports/')) return null;
      dir = importer!.replace(/(socket|index)\.js$/, '');
      return from === 'socket' && source === './transports/index.js' ? table : none;
    },
    load(id) {
      if (id === table)
        return `import { WS } from ${JSON.stringify(`${dir}transports/websocket.js`)}; export const transports = { websocket: WS };`;
      if (id === none)
        return 'export const transports = {}, Fetch = undefined, XHR = undefined, WS = undefined, WT = undefined;';
      return null;
    },
  };
}

/**
 * The socket probes each transport the server offers as an upgrade (`_probe`, about 0.3 KB gzip).
 * With WebSocket the only transport there is nothing to upgrade to: the server's handshake on a
 * WebSocket lists no upgrades, so the probe never runs, and its body goes. Found with the
 * TypeScript parser; a version of engine.io-client without it fails the build here, loudly.
 */
function withoutUpgradeProbe(code: string, id: string): string {
  const source = ts.createSourceFile(id, code, ts.ScriptTarget.Latest, true);
  let body: ts.Block | undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isMethodDeclaration(node) && node.name.getText(source) === '_probe') body = node.body;
    else ts.forEachChild(node, visit);
  };
  visit(source);
  if (!body)
    throw new Error(`${id}: no _probe method to remove (engine.io-client changed: revisit vite.config.ts)`);
  return `${code.slice(0, body.getStart(source))}{}${code.slice(body.getEnd())}`;
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  mode: 'production',
  plugins: [minifyCss(), minifyHtml(), websocketOnly()],
  // Always the production builds of Lit and socket.io (no dev warnings, no `debug`), even when the
  // build runs inside a test process whose NODE_ENV would otherwise select their development builds.
  resolve: { conditions: ['module', 'browser', 'production'] },
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    sourcemap: true,
    target: 'es2022',
    minify: true,
    lib: {
      entry: fileURLToPath(new URL('src/index.ts', import.meta.url)),
      formats: ['es'],
      fileName: () => 'happening.js',
    },
    rolldownOptions: {
      // Lit's licence headers (legal comments) stay, as its BSD licence asks of a redistribution
      // (~100 bytes gzip); `@__PURE__` annotations only tell a bundler what it may drop, and
      // nothing bundles this file again (~60 bytes gzip).
      output: {
        codeSplitting: false,
        minify: true,
        comments: { legal: true, annotation: false, jsdoc: false },
      },
    },
  },
});
