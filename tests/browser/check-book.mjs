// Opens the built book in headless Chromium, as a reader's browser shows it, and checks what a
// reader would see: every page loads without a console error or a failed request, every mermaid
// diagram became a drawing (an SVG, not mermaid's error picture), nothing is wider than the text
// column unless it scrolls on purpose, and the search box finds the chapters it should. It saves
// a screenshot of every chapter and of every diagram for a person to look at. Where there are
// several editions (English and 中文), every page's language switch must lead to the same page in
// the other edition, and following it must land there.
//
// Usage (from the repository's root, after `mdbook build book`):
//   SOCKET_LAB_CHROMIUM=/usr/bin/chromium node tests/browser/check-book.mjs [editions.json]
// editions.json says where the built book is, where the screenshots go, and each edition's
// folder and searches: a second edition is one more entry there.
//
// Prints one numbered step per check; a failed step is marked FAILED with what the browser saw,
// and the exit status is 1 if any step failed.

import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { readFile, readdir, mkdir, stat } from "node:fs/promises";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const configPath = process.argv[2] ?? join(here, "editions.json");
const config = JSON.parse(await readFile(configPath, "utf8"));
const root = resolve(config.root);
const shotsRoot = resolve(config.screenshots);
const executablePath = process.env.SOCKET_LAB_CHROMIUM ?? "/usr/bin/chromium";

// The widths the column is checked at: a laptop's window (the sidebar open, the column at its
// widest, 750 px) and a phone's (the sidebar closed, the column narrower than any diagram).
const WIDE = { width: 1280, height: 900 };
const NARROW = { width: 400, height: 800 };
// A diagram that mermaid shrinks below this share of its natural size has text too small to
// read: it must be drawn narrower instead.
const MIN_DIAGRAM_SCALE = 0.6;
// Pages that are not chapters: checked, but not worth a screenshot.
const NOT_CHAPTERS = new Set(["print.html", "404.html"]);
// Not a page: the sidebar's copy that mdBook shows in a frame only when JavaScript is off.
const NOT_PAGES = new Set(["toc.html"]);
const editionNamed = (name) => config.editions.find((edition) => edition.name === name);
const editionUrl = (edition, page) => `${origin}/${edition.path ? edition.path + "/" : ""}${page}`;

// A static file server over the built book, as `mdbook serve` would serve it: pages load from
// http://127.0.0.1, so fonts, scripts and the search index load as they do for a reader.
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
};
const server = createServer(async (request, response) => {
  try {
    let path = decodeURIComponent(new URL(request.url, "http://x").pathname);
    let file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) throw new Error("outside the book");
    if ((await stat(file)).isDirectory()) file = join(file, "index.html");
    const body = await readFile(file);
    response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    response.end(body);
  } catch {
    response.writeHead(404);
    response.end("not found");
  }
});
await new Promise((done) => server.listen(0, "127.0.0.1", done));
const origin = `http://127.0.0.1:${server.address().port}`;

let step = 0;
let failures = 0;
function report(what, problems) {
  step += 1;
  if (problems.length === 0) {
    console.log(`  ${step}. ${what}: ok`);
  } else {
    failures += 1;
    console.log(`> ${step}. ${what}: FAILED`);
    for (const problem of problems) console.log(`       ${problem}`);
  }
}

// Runs in the page: what sticks out of the column, and what is clipped without a scroll bar.
function overflowProblems() {
  const main = document.querySelector("main");
  if (!main) return ["the page has no <main> column"];
  const column = main.getBoundingClientRect();
  const problems = [];
  const describe = (el) => {
    const text = (el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 50);
    return `<${el.tagName.toLowerCase()}${el.className?.baseVal === undefined && el.className ? ` class="${el.className}"` : ""}> "${text}"`;
  };
  for (const el of main.querySelectorAll("pre, pre > code, .table-wrapper, table, pre.mermaid > svg, img")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0) continue; // not displayed (the listings' hidden lines)
    if (el.closest(".table-wrapper") && el.tagName === "TABLE") continue; // its wrapper scrolls
    if (box.left < column.left - 1 || box.right > column.right + 1) {
      problems.push(`${describe(el)} spans ${Math.round(box.left)}..${Math.round(box.right)} px, past the column (${Math.round(column.left)}..${Math.round(column.right)} px)`);
    }
    if (el instanceof HTMLElement && el.scrollWidth > el.clientWidth + 1) {
      const overflowX = getComputedStyle(el).overflowX;
      if (overflowX !== "auto" && overflowX !== "scroll") {
        problems.push(`${describe(el)} holds ${el.scrollWidth} px in ${el.clientWidth} px with overflow-x: ${overflowX}, so the rest is cut off without a scroll bar`);
      }
    }
  }
  if (main.scrollWidth > main.clientWidth + 1) {
    problems.push(`the column holds content ${main.scrollWidth} px wide in ${main.clientWidth} px: the page cuts it off (body has overflow-x: hidden)`);
  }
  return problems;
}

// Runs in the page: every mermaid block and what became of it.
function diagrams() {
  return [...document.querySelectorAll("pre.mermaid")].map((pre) => {
    const svg = pre.querySelector("svg");
    if (!svg) return { svg: false, source: pre.textContent.trim().slice(0, 60) };
    const natural = svg.viewBox?.baseVal?.width || 0;
    return {
      svg: true,
      kind: svg.getAttribute("aria-roledescription"),
      scale: natural ? svg.getBoundingClientRect().width / natural : 1,
      source: (svg.querySelector("text")?.textContent ?? "").slice(0, 60),
    };
  });
}

const browser = await chromium.launch({
  executablePath,
  headless: true,
  // Chromium's sandbox refuses to start as root, which CI is.
  args: ["--no-sandbox"],
});

try {
  for (const edition of config.editions) {
    const folder = join(root, edition.path);
    const shots = join(shotsRoot, edition.name);
    await mkdir(shots, { recursive: true });
    const other = edition.switchesTo ? editionNamed(edition.switchesTo) : null;
    const pages = (await readdir(folder)).filter((name) => name.endsWith(".html") && !NOT_PAGES.has(name)).sort();
    console.log(`edition ${edition.name}: ${pages.length} pages in ${folder}`);
    if (pages.length === 0) report(`${edition.name}: the built book has pages`, ["no .html file"]);

    const context = await browser.newContext({ viewport: WIDE });
    for (const name of pages) {
      const url = editionUrl(edition, name);
      const page = await context.newPage();
      const errors = [];
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(`console error: ${message.text()}`);
      });
      page.on("pageerror", (error) => errors.push(`uncaught exception: ${error.message}`));
      page.on("requestfailed", (request) =>
        errors.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
      page.on("response", (response) => {
        if (response.status() >= 400) errors.push(`HTTP ${response.status()}: ${response.url()}`);
      });

      await page.goto(url, { waitUntil: "load" });
      // mermaid draws after the page's load event: wait until every block holds its SVG (or
      // give up after a while and report the ones that are still text).
      await page
        .waitForFunction(
          () => [...document.querySelectorAll("pre.mermaid")].every((pre) => pre.querySelector("svg")),
          null,
          { timeout: 30_000 },
        )
        .catch(() => {});
      await page.waitForLoadState("networkidle").catch(() => {});
      report(`${edition.name}/${name} loads with no console error and no failed request`, errors.splice(0));

      const lang = await page.evaluate(() => document.documentElement.lang);
      if (edition.lang && lang !== edition.lang) {
        report(`${edition.name}/${name} is marked as written in ${edition.lang}`, [`<html lang="${lang}">`]);
      }
      if (other && name !== "404.html") {
        const target = await page.evaluate(() => document.getElementById("edition-switch")?.href ?? null);
        const expected = editionUrl(other, name);
        report(
          `${edition.name}/${name}: the language switch leads to ${other.name}/${name}`,
          target === expected ? [] : [`it leads to ${target ?? "nowhere: there is no #edition-switch"}`],
        );
      }

      const drawn = await page.evaluate(diagrams);
      if (drawn.length > 0) {
        const problems = [];
        drawn.forEach((diagram, i) => {
          if (!diagram.svg) problems.push(`diagram ${i + 1} is still text: "${diagram.source}"`);
          else if (diagram.kind !== "sequence") problems.push(`diagram ${i + 1} is a "${diagram.kind}" picture (a syntax error?), not a sequence diagram`);
          else if (diagram.scale < MIN_DIAGRAM_SCALE) problems.push(`diagram ${i + 1} ("${diagram.source}") is shrunk to ${Math.round(diagram.scale * 100)} % to fit the column: too small to read`);
        });
        const scales = drawn.filter((d) => d.svg).map((d) => `${Math.round(d.scale * 100)} %`).join(", ");
        report(`${edition.name}/${name}: its ${drawn.length} diagram(s) are drawn as sequence diagrams that fit (scale ${scales})`, problems);
      }

      report(`${edition.name}/${name} at ${WIDE.width} px: nothing wider than the column without a scroll bar`, await page.evaluate(overflowProblems));

      if (!NOT_CHAPTERS.has(name)) {
        const base = name.replace(/\.html$/, "");
        await page.screenshot({ path: join(shots, `${base}.png`), fullPage: true });
        const blocks = await page.locator("pre.mermaid").all();
        for (const [i, block] of blocks.entries()) {
          await block.screenshot({ path: join(shots, `${base}.diagram-${i + 1}.png`) });
        }
      }

      await page.setViewportSize(NARROW);
      await page.waitForTimeout(200); // let mdBook close the sidebar and the layout settle
      report(`${edition.name}/${name} at ${NARROW.width} px: nothing wider than the column without a scroll bar`, await page.evaluate(overflowProblems));
      report(`${edition.name}/${name}: still no console error after the resize`, errors.splice(0));
      await page.close();
    }

    for (const { term, finds } of edition.searches ?? []) {
      const page = await context.newPage();
      await page.goto(editionUrl(edition, "index.html"), { waitUntil: "load" });
      await page.click("#mdbook-search-toggle");
      await page.locator("#mdbook-searchbar").pressSequentially(term);
      const links = await page
        .waitForFunction(
          () => {
            const hrefs = [...document.querySelectorAll("#mdbook-searchresults a")].map((a) => a.getAttribute("href"));
            return hrefs.length > 0 ? hrefs : null;
          },
          null,
          { timeout: 10_000 },
        )
        .then((handle) => handle.jsonValue())
        .catch(() => []);
      const chapters = [...new Set(links.map((href) => href.split(/[?#]/)[0]))];
      report(
        `${edition.name}: searching "${term}" finds ${finds} (found: ${chapters.join(", ") || "nothing"})`,
        chapters.includes(finds) ? [] : [`no result leads to ${finds}`],
      );
      await page.close();
    }
    if (other) {
      // Following the switch, as a reader would, from a chapter that is not the first.
      const page = await context.newPage();
      await page.goto(editionUrl(edition, "lesson5-upload.html"), { waitUntil: "load" });
      await page.click("#edition-switch");
      await page.waitForLoadState("load");
      const landed = { url: page.url(), lang: await page.evaluate(() => document.documentElement.lang) };
      const expected = editionUrl(other, "lesson5-upload.html");
      report(
        `${edition.name}: clicking the language switch on lesson 5 opens lesson 5 in ${other.name}`,
        landed.url === expected && landed.lang === other.lang
          ? []
          : [`landed on ${landed.url} (lang "${landed.lang}"), expected ${expected} (lang "${other.lang}")`],
      );
      await page.close();
    }
    await context.close();
    console.log(`screenshots: ${shots}`);
  }
} finally {
  await browser.close();
  server.close();
}

console.log(failures === 0 ? `all ${step} steps passed` : `${failures} of ${step} steps FAILED`);
process.exit(failures === 0 ? 0 : 1);
