// Renders a vpcsec-lint picture in headless Chromium and prints what the browser drew, as JSON.
//   node render.mjs mermaid CHART.mmd [SHOT.png]   parse and render with the real mermaid package
//   node render.mjs html PAGE.html [SHOT.png]      open the page offline
// CHROMIUM names the browser (default /usr/bin/chromium).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const [mode, input, shot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
const out = { errors: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on("pageerror", (e) => out.errors.push(String(e)));
  page.on("dialog", (d) => { out.errors.push(`dialog: ${d.message()}`); d.dismiss(); });
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:") || url.startsWith("data:") || url === "about:blank") {
      return route.continue();
    }
    out.errors.push(`network request: ${url}`);
    return route.abort();
  });
  if (mode === "mermaid") {
    await page.setContent('<div id="chart"></div>');
    await page.addScriptTag({ path: require.resolve("mermaid/dist/mermaid.min.js") });
    const text = readFileSync(input, "utf8");
    Object.assign(out, await page.evaluate(async (chart) => {
      mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
      await mermaid.parse(chart);
      const { svg } = await mermaid.render("graph", chart);
      document.getElementById("chart").innerHTML = svg;
      const root = document.getElementById("chart");
      return {
        nodes: [...root.querySelectorAll("g.node")].map((n) => n.textContent.trim()),
        clusters: [...root.querySelectorAll("g.cluster")].map((n) => n.textContent.trim()),
        edgeLabels: [...root.querySelectorAll("g.edgeLabel")].map((n) => n.textContent.trim()),
        edges: [...root.querySelectorAll("path.flowchart-link")].map((p) => p.getAttribute("style") || ""),
        scripts: root.querySelectorAll("script").length,
      };
    }, text));
  } else {
    await page.goto("file://" + input);
    Object.assign(out, await page.evaluate(() => ({
      nodes: [...document.querySelectorAll("g.node")].map((n) => n.textContent.trim()),
      clusters: [...document.querySelectorAll("g.cluster")].map((n) => n.textContent.trim()),
      edges: [...document.querySelectorAll("g.edge path")].map((p) => p.getAttribute("stroke")),
      intents: document.querySelectorAll("section.intent").length,
      scripts: document.querySelectorAll("script").length,
      width: document.querySelector("svg").getBoundingClientRect().width,
    })));
  }
  if (shot) await page.screenshot({ path: shot });
} catch (e) {
  out.errors.push(String(e && e.stack || e));
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
