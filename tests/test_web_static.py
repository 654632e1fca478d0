"""The web page's files themselves: small (fast to first paint), readable contrast, no inline script."""

from __future__ import annotations

import re
from importlib import resources

import pytest

WEB = resources.files("oftenasked") / "web"


def _hex(colour: str) -> tuple[float, float, float]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _hex(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_page_is_small() -> None:
    total = sum(len(WEB.joinpath(name).read_bytes()) for name in ("index.html", "app.css", "app.js"))
    assert total < 32 * 1024, total


def test_no_inline_script_or_handlers() -> None:
    html = WEB.joinpath("index.html").read_text()
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'src="/static/' in tag
    assert "<script>" not in html and not re.search(r"\son[a-z]+=", html)
    js = WEB.joinpath("app.js").read_text()
    assert "innerHTML" not in js and "outerHTML" not in js and "insertAdjacentHTML" not in js
    assert "eval(" not in js and "document.write" not in js


@pytest.mark.parametrize(
    ("fg", "bg"),
    [("ink", "bg"), ("ink", "card"), ("muted", "card"), ("muted", "bg"), ("accent", "card"), ("accent", "bg"),
     ("accent-ink", "accent"), ("warn", "card"), ("focus", "card")],
)
def test_colours_meet_wcag_aa_contrast(fg: str, bg: str) -> None:
    css = WEB.joinpath("app.css").read_text()
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", css))
    minimum = 3.0 if fg == "focus" else 4.5  # focus outlines are non-text: 3:1
    assert contrast(colours[fg], colours[bg]) >= minimum, (fg, bg)


def test_every_input_has_a_label() -> None:
    html = WEB.joinpath("index.html").read_text()
    for input_id in re.findall(r'<input[^>]*\sid="([^"]+)"[^>]*type="search"', html) + re.findall(
        r'<input[^>]*type="search"[^>]*\sid="([^"]+)"', html
    ):
        assert f'<label for="{input_id}">' in html
