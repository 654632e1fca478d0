// Static search over the site with Pagefind's own JavaScript API: no server, no framework.
// Results are built as DOM nodes; an excerpt is parsed inertly and only its text and <mark>
// elements are kept, so nothing in an indexed page can become markup here.
const form = document.getElementById("search-form");
const input = document.getElementById("search-q");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
let engine = null;

async function pagefind() {
  if (engine === null) {
    engine = await import("./pagefind/pagefind.js");
    // Result URLs are made from the folder this page is in, wherever the site is published.
    await engine.options({ baseUrl: new URL(".", location.href).pathname });
    await engine.init();
  }
  return engine;
}

function excerpt(text) {
  const doc = new DOMParser().parseFromString(`<p>${text}</p>`, "text/html");
  const out = document.createDocumentFragment();
  for (const node of doc.body.firstChild ? doc.body.firstChild.childNodes : []) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      out.append(mark);
    } else {
      out.append(node.textContent);
    }
  }
  return out;
}

async function run(query) {
  list.replaceChildren();
  if (!query.trim()) {
    status.textContent = "";
    return;
  }
  status.textContent = "Searching…";
  let found;
  try {
    found = await (await pagefind()).search(query);
  } catch (error) {
    status.textContent = "The search index could not be loaded.";
    return;
  }
  const shown = await Promise.all(found.results.slice(0, 20).map((r) => r.data()));
  const count = found.results.length;
  status.textContent = count ? `${count} ${count === 1 ? "page" : "pages"} found.` : `No page found for “${query}”.`;
  for (const page of shown) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = page.url;
    link.textContent = page.meta.title || page.url;
    const text = document.createElement("p");
    text.append(excerpt(page.excerpt));
    item.append(link, text);
    list.append(item);
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const query = input.value;
  history.replaceState(null, "", `?q=${encodeURIComponent(query)}`);
  run(query);
});

const asked = new URLSearchParams(location.search).get("q");
if (asked) {
  input.value = asked;
  run(asked);
}
