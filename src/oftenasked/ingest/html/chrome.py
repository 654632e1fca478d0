"""Page chrome: the parts of a saved page that are not its FAQ, removed before reading and reported.

Navigation, headers and footers, sidebars, cookie and consent banners, ad-blocker notices, share
buttons, related-post lists, comment forms, feedback widgets, ads, pull quotes, disclaimers, author
boxes and calls to action are recognised by tag, ARIA
role, and class or id words; each removed subtree becomes a :class:`Dropped` with its reason and
line. A block that holds the FAQ itself (details, accordions, FAQ classes, schema.org Questions), or
most of the page's text, is never removed. Screen-reader-only text is left out too.
"""

from __future__ import annotations

import re

from lxml.etree import _Element

from ...models import Dropped
from ..convert import CLAIMED, element_text

MAX_REPORTED = 300

_CLASS_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(r"(?:^|[-_\s])(?:" + words + r")(?:$|[-_\s])"), reason)
    for words, reason in (
        (r"cookies?|cookie-?notice|consent|gdpr|cmplz|onetrust|cookiebar|cc-window", "cookie notice"),
        (r"adblock|adblocker|ad-blocker|adblock-notice", "ad-blocker notice"),
        (r"share|shares|sharing|social|sharedaddy|addtoany|a2a|ssba|heateor|sharethis|shariff|social-icons",
         "share button"),
        (r"comments?|respond|commentform|comment-respond|disqus|reply", "comment form"),
        (r"related|relatedposts|yarpp|read-more|readmore|recommended|more-posts|post-navigation|you-may-like|"
         r"popular-posts|recent-posts", "cross-link to another page"),
        (r"ad|ads|advert|adverts|advertisement|adsbygoogle|adsense|sponsor|sponsored|dfp|ad-slot|adslot|"
         r"taboola|outbrain|promo", "advertisement"),
        (r"votes?|voting|feedback|helpful|was-this-helpful|article-rating", "feedback widget"),
        (r"pull-?quote|wp-block-pullquote|blockquote-pull", "pull quote"),
        (r"disclaimer|medical-disclaimer|legal-notice", "disclaimer"),
        (r"author|author-box|author-bio|authorbox|about-author|about-the-author|byline|post-author|entry-author|"
         r"writer-bio|bio-box", "author box"),
        (r"cta|cta-box|cta-banner|call-to-action|btn-cta|cta-button|signup|sign-up|wp-block-buttons", "call to action"),
        (r"nav|navbar|navigation|menu|breadcrumbs?|sidebar|widget-area|skip-link|pagination|site-header|"
         r"site-footer|masthead|topbar|toc|newsletter|subscribe", "navigation"),
    )
)
# Consent managers whose ids and classes run words together ("CybotCookiebotDialog").
_CLASS_SUBSTRINGS = (("cookiebot", "cookie notice"), ("cookielaw", "cookie notice"), ("cookie-law", "cookie notice"),
                     ("usercentrics", "cookie notice"), ("didomi", "cookie notice"), ("iubenda", "cookie notice"),
                     ("truste", "cookie notice"), ("qc-cmp", "cookie notice"), ("osano", "cookie notice"),
                     ("adsbygoogle", "advertisement"), ("google-ad", "advertisement"))
_SCREEN_READER = re.compile(r"(?:^|\s)(?:sr-only|screen-reader-text|visually-hidden|visuallyhidden|screen-reader-only"
                            r"|a11y-hidden|assistive-text)(?:$|\s)")
_PERMALINK = re.compile(r"(?:^|\s)(?:headerlink|hash-link|anchor-link|anchorjs-link|heading-anchor|header-anchor)(?:$|\s)")
_MARKS = frozenset({"¶", "#", "§", "🔗", "⚓"})
_TAG_REASONS = {"nav": "navigation", "header": "navigation", "footer": "navigation", "aside": "navigation"}
_ROLE_REASONS = {"navigation": "navigation", "banner": "navigation", "contentinfo": "navigation",
                 "complementary": "navigation", "search": "navigation"}
_NEVER_DROPPED = frozenset({"html", "body", "main", "article"})
_FAQ_MARKERS = (
    "descendant-or-self::details | descendant-or-self::*[not(self::a) and (contains(translate(@class,'FAQ','faq'),'faq')"
    " or contains(translate(@id,'FAQ','faq'),'faq') or contains(@class,'accordion') or contains(@itemtype,'Question')"
    " or contains(@typeof,'Question') or contains(@class,'elementor-toggle'))]"
)


def class_text(el: _Element) -> str:
    return f"{el.get('class', '')} {el.get('id', '')}".lower()


def _report(el: _Element, reason: str) -> Dropped | None:
    text = element_text(el)
    if not text:
        return None
    if len(text) > MAX_REPORTED:
        text = text[: MAX_REPORTED - 1].rstrip() + "…"
    return Dropped(text, reason, el.sourceline)


def _clutter_reason(el: _Element) -> tuple[str | None, bool]:
    """Why an element is page chrome, or None; and whether its tag or role says so (not just a class word)."""
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if tag in _NEVER_DROPPED:
        return None, False
    role = (el.get("role") or "").lower()
    if role in _ROLE_REASONS:
        return _ROLE_REASONS[role], True
    classes = class_text(el)
    if tag in _TAG_REASONS:
        return _TAG_REASONS[tag], True
    for pattern, reason in _CLASS_RULES:
        if pattern.search(classes):
            return reason, False
    for word, reason in _CLASS_SUBSTRINGS:
        if word in classes:
            return reason, False
    if tag == "form":  # not by its tag alone: ASP.NET pages put the whole page in one form
        return ("comment form" if "comment" in (el.get("action") or "") + classes else "form"), False
    return None, False


# Words that content containers also carry as modifiers ("entry-content has-share-buttons", "comments-open").
# A form too: ASP.NET pages put the whole page in one.
_MODIFIER_REASONS = frozenset({"share button", "comment form", "advertisement", "feedback widget", "form"})
_QUESTION_HEADINGS = (
    "(.//h2|.//h3|.//h4|.//h5|.//h6|.//strong|.//b|.//summary|.//dt|.//button)"
    "[substring(normalize-space(.), string-length(normalize-space(.)))='?']"
)


def _asks_questions(el: _Element) -> bool:
    """Holds two or more question headings: content, whatever its class says."""
    return len(el.xpath(_QUESTION_HEADINGS)) >= 2


def strip_chrome(root: _Element, dropped: list[Dropped]) -> None:
    for el in list(root.iter("script", "style", "noscript", "iframe", "template", "svg", "object", "embed")):
        if el.getparent() is not None:
            el.drop_tree()
    for el in list(root.iter("a")):  # permalink marks of docs sites: "How do I install it?¶"
        if el.getparent() is not None and (_PERMALINK.search(class_text(el)) or el.text_content().strip() in _MARKS):
            el.drop_tree()
    for el in list(root.iter()):
        if isinstance(el.tag, str) and _SCREEN_READER.search(class_text(el)) and el.getparent() is not None:
            # Text for screen readers repeats what is shown ("opens in a new tab") or skips to it.
            report = _report(el, "screen-reader text")
            if report:
                dropped.append(report)
            el.drop_tree()
    body = root.find("body")
    page_chars = len(element_text(body if body is not None else root)) or 1
    doomed: list[tuple[_Element, str]] = []

    def visit(el: _Element) -> None:
        for child in el:
            if not isinstance(child.tag, str) or child.get(CLAIMED):
                continue
            reason, by_tag = _clutter_reason(child)
            # A block holding the FAQ itself is never chrome; nor, unless its tag says so, the page's main wrapper.
            if reason and not child.xpath(_FAQ_MARKERS) and (by_tag or len(element_text(child)) < 0.5 * page_chars) and not (
                reason in _MODIFIER_REASONS and _asks_questions(child)
            ):
                doomed.append((child, reason))
            else:
                visit(child)

    visit(root)
    for el, reason in doomed:
        report = _report(el, reason)
        if report:
            dropped.append(report)
        el.drop_tree()
