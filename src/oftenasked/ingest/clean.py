"""Cleaning: normalise text and recognise the clutter that scraped FAQ pages carry.

Rules are data (pattern, reason) so that the ingest report can say why a block was dropped.
Cleaning never invents text: it only removes clutter and normalises whitespace and Unicode.
"""

from __future__ import annotations

import re
import unicodedata

# Whole lines that are clutter, with the reason shown in the ingest report.
LINE_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), reason)
    for p, reason in (
        (r"^(you might be interested|you may also like|you may be interested|related posts?|"
         r"read more|see also|also read|recommended|read next)\s*:?", "cross-link to another page"),
        (r"^(share( this)?( on (pinterest|facebook|twitter|x|linkedin|whatsapp|reddit|email))?|"
         r"tweet|pin it)\.?$", "share button"),
        (r"^leave a (reply|comment)\b", "comment form"),
        (r"^your email address will not be published", "comment form"),
        (r"^required fields are marked", "comment form"),
        (r"^(post comment|cancel reply|save my name, email)", "comment form"),
        (r"^(comment|name|email|website)\s*\*?$", "comment form"),
        (r"^ad\s*-?block(er)?\b.*$", "ad-blocker notice"),
        (r"^detector$", "ad-blocker notice"),
        (r"^(we|it) (detected|looks like) you.{0,40}ad\s*-?block", "ad-blocker notice"),
        (r"^please (disable|turn off|whitelist).{0,40}ad\s*-?block", "ad-blocker notice"),
        (r"^(this (web)?site uses cookies|we use cookies|accept (all )?cookies)", "cookie notice"),
        (r"^(skip to (main )?content|main menu|toggle navigation|back to top)$", "navigation"),
        (r"^(back|return|jump|go) to (the )?(top|table of contents|contents|faqs?|questions)\.?$", "navigation"),
        (r"^(advertisement|sponsored( content)?)$", "advertisement"),
        (r"^(was|is|did) (this|the) (article|page|answer|information|post)\b.{0,30}\b(helpful|useful|answer your)",
         "feedback widget"),
        (r"^(medical |legal |important )?disclaimer\s*[:.]", "disclaimer"),
        (r"^(this|the) (article|page|post|content|information|site)( on this (page|site))? (is|are) (provided )?(for|not)"
         r" (general )?(information(al)?|educational)( purposes)?( only)?\b", "disclaimer"),
        (r"^(about the author|about the writer|meet the author)\s*:?$", "author box"),
        # A byline names a person ("Reviewed by Dr. Ana Ruiz, sports physician"), not "reviewed by our team in 2 days".
        (r"^(written|reviewed|medically reviewed|fact[- ]checked|edited) by:? (?-i:(Dr\.? |Prof\.? )?[A-Z][\w'-]+"
         r"( [A-Z][\w.'-]+){1,3})(,[^.]{0,80})?\.?$", "author box"),
        (r"^(book|schedule|get|start|claim|request|try) (a |an |your |our )?(free |no-obligation )?(consultation|demo|"
         r"quote|trial|appointment|call|estimate)\b.{0,40}$", "call to action"),
        (r"^(sign up|subscribe|register|join)( now| today| for free| for our newsletter| to our newsletter| free)\b.{0,40}$",
         "call to action"),
        (r"^((still )?(have|got) (more |any |other |further )?questions|(more|other|any|further) questions|questions"
         r"|(still )?need (more |further )?help|can'?t find (the |your |an )?answer( you'?re looking for)?)\s*[?!.:]*$",
         "contact prompt"),
    )
)

# Clutter glued to the end of a real line ("Bridges. Share on Pinterest.").
SUFFIX_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"\s*\bShare on (Pinterest|Facebook|Twitter|X|LinkedIn|WhatsApp|Reddit)\.?\s*$", re.IGNORECASE),
        "share button",
    ),
)

# Once one of these starts, the rest of the page is the comment section or page chrome.
TAIL_REASONS = frozenset({"comment form", "ad-blocker notice"})

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")


def normalize(text: str) -> str:
    """NFC-normalise, drop zero-width characters, collapse runs of spaces; keep line breaks."""
    text = unicodedata.normalize("NFC", text)
    text = _ZERO_WIDTH.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def clutter_reason(line: str) -> str | None:
    """Why a whole line is clutter, or None when it is content."""
    stripped = line.strip()
    for pattern, reason in LINE_RULES:
        if pattern.search(stripped):
            return reason
    return None


def strip_suffix_clutter(line: str) -> tuple[str, str | None, str | None]:
    """Remove clutter glued to the end of a line: (clean line, removed text, reason)."""
    for pattern, reason in SUFFIX_RULES:
        match = pattern.search(line)
        if match and match.start() > 0:
            return line[: match.start()].rstrip(), match.group(0).strip(), reason
    return line, None, None


def clean_markdown(text: str) -> str:
    """Normalise a Markdown answer: tidy lines, at most one blank line between blocks."""
    text = _ZERO_WIDTH.sub("", unicodedata.normalize("NFC", text)).replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    for raw in text.split("\n"):
        body = _SPACES.sub(" ", raw.strip())
        # Leading indentation carries list nesting in Markdown, so it is kept.
        line = raw[: len(raw) - len(raw.lstrip(" \t"))].replace("\t", "    ") + body if body else ""
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)
