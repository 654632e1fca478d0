// oftenasked web page: ask, show the answer card, "People also ask", feedback.
// Untrusted text is inserted with textContent only. Answer HTML comes from the server's safe
// Markdown renderer (raw HTML escaped) and is still filtered here through an allowlist.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const form = $("ask-form");
  const input = $("question");
  const statusLine = $("status");
  const answerCard = $("answer");
  const noAnswer = $("no-answer");
  const relatedBox = $("related");
  const relatedList = $("related-list");
  const shownIds = new Set();
  let current = null; // {question, id, related: [{id, question}]}
  let panelCount = 0;
  const UNANSWERED_RELATED_MIN = 0.45; // relatedness in [0, 1]; unrelated questions score about 0.2-0.35

  // -- safe HTML ------------------------------------------------------------------------
  const ALLOWED = new Set(["P", "BR", "UL", "OL", "LI", "STRONG", "EM", "B", "I", "CODE", "PRE", "BLOCKQUOTE",
    "A", "H1", "H2", "H3", "H4", "H5", "H6", "HR", "TABLE", "THEAD", "TBODY", "TR", "TH", "TD", "DEL"]);

  function safeFragment(html) {
    const doc = new DOMParser().parseFromString(html, "text/html"); // inert: nothing here runs
    const out = document.createDocumentFragment();
    for (const node of Array.from(doc.body.childNodes)) {
      const clean = cleanNode(node);
      if (clean) out.appendChild(clean);
    }
    return out;
  }

  function cleanNode(node) {
    if (node.nodeType === Node.TEXT_NODE) return document.createTextNode(node.textContent);
    if (node.nodeType !== Node.ELEMENT_NODE) return null;
    if (!ALLOWED.has(node.tagName)) return document.createTextNode(node.textContent);
    const el = document.createElement(node.tagName.toLowerCase());
    if (node.tagName === "A") {
      const href = node.getAttribute("href") || "";
      if (/^(https?:|mailto:|\/|#)/i.test(href)) el.setAttribute("href", href);
      el.setAttribute("rel", "nofollow noopener noreferrer");
    }
    if (node.tagName === "OL" && node.getAttribute("start")) el.setAttribute("start", node.getAttribute("start"));
    for (const child of Array.from(node.childNodes)) {
      const clean = cleanNode(child);
      if (clean) el.appendChild(clean);
    }
    return el;
  }

  function sourceNode(source) {
    if (/^https?:\/\//i.test(source)) {
      const a = document.createElement("a");
      a.href = source;
      a.rel = "nofollow noopener noreferrer";
      a.textContent = source;
      return a;
    }
    const span = document.createElement("span");
    span.textContent = source;
    return span;
  }

  // An opaque id for this tab, random, forgotten when the tab closes: it lets the server tell
  // several people's feedback from one person's (suggestions need several), and names nobody.
  function sessionId() {
    try {
      let id = sessionStorage.getItem("oftenasked-session");
      if (!id) {
        const bytes = crypto.getRandomValues(new Uint8Array(12));
        id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
        sessionStorage.setItem("oftenasked-session", id);
      }
      return id;
    } catch (err) {
      return null; // storage refused (a private mode): no session id at all
    }
  }
  const session = sessionId();

  function sendFeedbackBody(body) {
    return api("/feedback", {
      method: "POST",
      headers: {"content-type": "application/json"},
      body: JSON.stringify(Object.assign(body, session ? {session: session} : {})),
    });
  }

  // -- talking to the API ---------------------------------------------------------------
  async function api(path, options) {
    const response = await fetch(path, options);
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const message = data && data.error ? data.error.message : "the server answered " + response.status;
      throw new Error(message);
    }
    return data;
  }

  function pageUrl(question) {
    return "/q/" + encodeURIComponent(question);
  }

  // -- asking ---------------------------------------------------------------------------
  async function ask(question, push) {
    question = question.trim();
    if (!question) return;
    statusLine.textContent = "Looking for an answer…";
    $("ask-button").disabled = true;
    try {
      const data = await api("/ask", {
        method: "POST",
        headers: {"content-type": "application/json"},
        body: JSON.stringify(Object.assign({question: question, top: 1, related: 4}, session ? {session: session} : {})),
      });
      render(data);
      if (push) history.pushState({q: question}, "", "/?q=" + encodeURIComponent(question));
      document.title = "Often asked: " + question;
    } catch (err) {
      statusLine.textContent = "Sorry, something went wrong: " + err.message;
    } finally {
      $("ask-button").disabled = false;
    }
  }

  function render(data) {
    shownIds.clear();
    relatedList.replaceChildren();
    const best = data.answered ? data.answers[0] : null;
    current = {question: data.question, id: best ? best.id : null, related: data.related};
    $("better").hidden = true;
    if (best) {
      shownIds.add(best.id);
      $("answer-question").textContent = best.questions[0];
      $("answer-body").replaceChildren(safeFragment(best.answer_html));
      $("answer-source").replaceChildren(sourceNode(best.source));
      $("answer-confidence").textContent = Math.round(best.score * 100) + "%";
      $("answer-permalink").href = pageUrl(data.question);
      $("feedback-thanks").textContent = "";
      for (const b of answerCard.querySelectorAll("button.fb")) b.disabled = false;
      answerCard.hidden = false;
      noAnswer.hidden = true;
      statusLine.textContent = "Answer found.";
    } else {
      answerCard.hidden = true;
      noAnswer.hidden = false;
      const list = $("suggestions");
      list.replaceChildren();
      for (const s of data.did_you_mean) {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = s.question;
        button.addEventListener("click", () => {
          // The choice says which pair answers the question asked: feedback, then its answer.
          sendFeedbackBody({question: data.question, id: s.id, better_id: s.id}).catch(() => {});
          input.value = s.question;
          ask(s.question, true);
        });
        li.appendChild(button);
        list.appendChild(li);
      }
      $("did-you-mean").hidden = data.did_you_mean.length === 0;
      statusLine.textContent = "No good answer found.";
    }
    // Without a good answer, only questions that are really close are worth offering.
    const minimum = data.answered ? 0 : UNANSWERED_RELATED_MIN;
    for (const r of data.related) if (r.score >= minimum) addRelated(r, false);
    relatedBox.hidden = relatedList.children.length === 0;
  }

  // -- "People also ask" ----------------------------------------------------------------
  function addRelated(item, isNew) {
    if (shownIds.has(item.id)) return false;
    shownIds.add(item.id);
    panelCount += 1;
    const li = document.createElement("li");
    if (isNew) li.className = "new";
    const h3 = document.createElement("h3");
    const button = document.createElement("button");
    button.type = "button";
    button.id = "paa-button-" + panelCount;
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", "paa-panel-" + panelCount);
    button.textContent = item.question;
    h3.appendChild(button);
    const panel = document.createElement("div");
    panel.className = "panel";
    panel.id = "paa-panel-" + panelCount;
    panel.setAttribute("role", "region");
    panel.setAttribute("aria-labelledby", button.id);
    panel.hidden = true;
    let loaded = false;
    button.addEventListener("click", () => {
      const open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", String(!open));
      panel.hidden = open;
      if (!open && !loaded) {
        loaded = true;
        fillPanel(panel, item);
        moreRelated(item.question);
      }
    });
    li.append(h3, panel);
    relatedList.appendChild(li);
    return true;
  }

  function fillPanel(panel, item) {
    const body = document.createElement("div");
    body.className = "answer-body";
    body.appendChild(safeFragment(item.answer_html));
    const meta = document.createElement("p");
    meta.className = "meta";
    meta.append("Source: ", sourceNode(item.source));
    const link = document.createElement("a");
    link.href = pageUrl(item.question);
    link.textContent = "Open this question's page";
    const more = document.createElement("p");
    more.appendChild(link);
    panel.replaceChildren(body, meta, more);
  }

  async function moreRelated(question) {
    try {
      const data = await api("/related?top=8&question=" + encodeURIComponent(question));
      let added = 0;
      for (const r of data.related) {
        if (added >= 2) break;
        if (addRelated(r, true)) added += 1;
      }
    } catch (err) {
      statusLine.textContent = "Could not load more questions: " + err.message;
    }
  }

  // -- feedback -------------------------------------------------------------------------
  async function sendFeedback(helpful) {
    if (!current || !current.id) return;
    const buttons = answerCard.querySelectorAll("button.fb");
    for (const b of buttons) b.disabled = true;
    try {
      await sendFeedbackBody({question: current.question, id: current.id, helpful: helpful});
      $("feedback-thanks").textContent = helpful
        ? "Thank you for your feedback."
        : "Thank you. Try asking another way, or see the questions below.";
      if (!helpful) offerBetter();
    } catch (err) {
      $("feedback-thanks").textContent = "Feedback not sent: " + err.message;
      for (const b of buttons) b.disabled = false;
    }
  }

  // "This other answer": the related questions, offered as the right answer instead.
  function offerBetter() {
    const list = $("better-list");
    list.replaceChildren();
    for (const r of current.related || []) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = r.question;
      button.addEventListener("click", async () => {
        for (const b of list.querySelectorAll("button")) b.disabled = true;
        try {
          await sendFeedbackBody({question: current.question, id: current.id, better_id: r.id});
          $("feedback-thanks").textContent = "Thank you: we will learn that this answer fits your question.";
          $("better").hidden = true;
        } catch (err) {
          $("feedback-thanks").textContent = "Feedback not sent: " + err.message;
          for (const b of list.querySelectorAll("button")) b.disabled = false;
        }
      });
      li.appendChild(button);
      list.appendChild(li);
    }
    $("better").hidden = list.children.length === 0;
  }

  // -- wiring ---------------------------------------------------------------------------
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ask(input.value, true);
  });
  for (const b of answerCard.querySelectorAll("button.fb")) {
    b.addEventListener("click", () => sendFeedback(b.dataset.helpful === "true"));
  }
  window.addEventListener("popstate", () => {
    const q = new URLSearchParams(location.search).get("q");
    if (q) {
      input.value = q;
      ask(q, false);
    }
  });
  const initial = new URLSearchParams(location.search).get("q");
  if (initial) {
    input.value = initial;
    ask(initial, false);
  }
})();
