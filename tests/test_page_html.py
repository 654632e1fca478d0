"""The HTML page: untrusted answers are escaped, and FAQPage JSON-LD is valid and cannot break out."""

from __future__ import annotations

import json
import re

from oftenasked.settings import Settings


def test_script_in_answers_never_reaches_the_page(hash_kb, tmp_path):
    hostile = '<script>alert(1)</script> <img src=x onerror="alert(2)"> [x](javascript:alert(3)) </script>'
    path = tmp_path / "evil.jsonl"
    path.write_text(json.dumps({"id": "e", "question": "Is this safe?", "answer": hostile}), encoding="utf-8")
    hash_kb.settings = Settings(threshold=0.0)
    hash_kb.ingest([path])
    page = hash_kb.page("Is this safe?").to_html()
    body = page.split("</script>", 1)[1]  # after the JSON-LD block
    assert "<script>" not in body and "<img" not in body and "href=\"javascript" not in body
    assert "&lt;script&gt;" in body
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1
    data = json.loads(blocks[0])
    assert data["@type"] == "FAQPage" and data["mainEntity"][0]["acceptedAnswer"]["text"] == hostile
