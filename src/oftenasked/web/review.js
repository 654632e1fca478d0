// The editor's review page: often asked needs, gaps and suggestions, with accept and reject.
// Everything shown is what people typed: it is inserted with textContent only, never as HTML.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const statusLine = $("status");
  let token = sessionStorage.getItem("oftenasked-token") || "";

  async function api(path, options) {
    const opts = Object.assign({}, options || {});
    opts.headers = Object.assign({authorization: "Bearer " + token}, opts.headers || {});
    const response = await fetch(path, opts);
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      throw new Error(data && data.error ? data.error.message : "the server answered " + response.status);
    }
    return data;
  }

  function text(tag, content, className) {
    const el = document.createElement(tag);
    el.textContent = content;
    if (className) el.className = className;
    return el;
  }

  function needItem(need, withNearest) {
    const li = document.createElement("li");
    const people = need.people === 1 ? "1 person" : need.people + " people";
    const conf = need.confidence === null ? "" : ", confidence " + Math.round(need.confidence * 100) + "%";
    li.appendChild(text("p", "Asked " + need.count + " times by " + people + " → " +
      (need.pair_id || "no pair") + conf, "need-head"));
    const phrasings = document.createElement("ul");
    for (const q of need.questions) phrasings.appendChild(text("li", q, "phrasing"));
    li.appendChild(phrasings);
    if (withNearest && need.nearest && need.nearest.length) {
      li.appendChild(text("p", "Nearest: " + need.nearest.map((n) => n.question + " (" + n.id + ")").join("; "), "hint"));
    }
    return li;
  }

  function suggestionItem(s) {
    const li = document.createElement("li");
    li.dataset.id = String(s.id);
    const what = s.kind === "alternate"
      ? "Add “" + s.question + "” as an alternate question of " + s.pair_id
      : "Flag the answer of " + s.pair_id + " as poor";
    li.appendChild(text("p", "#" + s.id + " " + what, "suggestion-what"));
    const ev = s.evidence || {};
    li.appendChild(text("p", "Why: " + (ev.reason || "") + " (" + ev.sessions + " sessions" +
      (ev.editor ? ", the editor" : "") + ")", "hint"));
    const asked = document.createElement("ul");
    for (const q of (ev.questions || []).slice(0, 3)) asked.appendChild(text("li", q, "phrasing"));
    li.appendChild(asked);
    const row = document.createElement("div");
    row.className = "row";
    const actions = s.status === "accepted" ? [["revert", "Revert"]] : [["accept", "Accept"], ["reject", "Reject"]];
    for (const [action, label] of actions) {
      const button = text("button", label, "decide " + action);
      button.type = "button";
      button.addEventListener("click", () => decide(s.id, action, li));
      row.appendChild(button);
    }
    li.appendChild(row);
    return li;
  }

  async function decide(id, action, li) {
    for (const b of li.querySelectorAll("button")) b.disabled = true;
    try {
      await api("/suggestions/" + id + "/" + action, {method: "POST"});
      statusLine.textContent = "Suggestion " + id + " " + {accept: "accepted.", reject: "rejected.", revert: "reverted."}[action];
      await load();
    } catch (err) {
      statusLine.textContent = "Not done: " + err.message;
      for (const b of li.querySelectorAll("button")) b.disabled = false;
    }
  }

  function fill(list, items, make, empty) {
    list.replaceChildren();
    for (const item of items) list.appendChild(make(item));
    if (!items.length) list.appendChild(text("li", empty, "hint"));
  }

  async function load() {
    statusLine.textContent = statusLine.textContent || "Loading…";
    try {
      const [s, a, g, o] = await Promise.all(
        [api("/suggestions"), api("/suggestions?status=accepted"), api("/gaps"), api("/often")]);
      fill($("suggestion-list"), s.suggestions, suggestionItem, "No suggestions.");
      fill($("accepted-list"), a.suggestions, suggestionItem, "None accepted.");
      fill($("gap-list"), g.gaps, (n) => needItem(n, true), "No gaps.");
      fill($("often-list"), o.needs, (n) => needItem(n, false), "Nothing asked yet.");
      $("reports").hidden = false;
      if (statusLine.textContent === "Loading…") statusLine.textContent = "";
    } catch (err) {
      $("reports").hidden = true;
      statusLine.textContent = "Could not open the reports: " + err.message;
    }
  }

  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    token = $("token").value.trim();
    sessionStorage.setItem("oftenasked-token", token);
    statusLine.textContent = "";
    load();
  });
  if (token) load();
})();
