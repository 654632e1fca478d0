"""MedQuAD-style XML: ``<Document id source url><Focus/>...<QAPairs><QAPair pid>...``.

Each ``QAPair`` becomes a pair with the id ``{source}_{document id}_Sec{pid}`` (the ids of the
bundled MedQuAD corpus), the page URL as its source, and the focus, collection, question type,
semantic group and synonyms as metadata. The parser is lxml with entity expansion, DTD loading
and network access off, so a hostile file cannot expand entities or reach out; a syntax error
names its line. Questions whose answer was left out (MedQuAD's copyright-removed subsets) are
reported as dropped.
"""

from __future__ import annotations

import re

from lxml import etree

from ..errors import IngestError
from ..models import Dropped
from .clean import normalize
from .convert import plain_to_markdown
from .records import RawPair, ReadResult

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
        remove_comments=True, remove_pis=True,
    )


def _text(el: etree._Element | None) -> str:
    return normalize("".join(el.itertext())).strip() if el is not None else ""


def parse_xml(text: str, origin: str) -> etree._Element:
    """Parse XML safely; an empty or malformed file is an :class:`IngestError` naming the line."""
    if not text.strip():
        raise IngestError(origin, "empty file")
    # The text is already decoded: its encoding declaration no longer applies.
    body = _XML_DECL.sub("", text, count=1)
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        raise IngestError(origin, f"malformed XML ({exc.msg})", line=exc.lineno or None) from None
    if root is None:
        raise IngestError(origin, "no XML element found")
    return root


def _document_pairs(doc: etree._Element, dropped: list[Dropped]) -> list[RawPair]:
    source = (doc.get("source") or "").strip()
    doc_id = (doc.get("id") or "").strip()
    url = (doc.get("url") or "").strip() or None
    focus = _text(doc.find("Focus"))
    group = _text(doc.find("FocusAnnotations/UMLS/SemanticGroup"))
    synonyms = [_text(s) for s in doc.findall("FocusAnnotations/Synonyms/Synonym")]
    pairs: list[RawPair] = []
    for qa in doc.iter("QAPair"):
        question_el = qa.find("Question")
        question = _text(question_el).replace("\n", " ")
        answer = plain_to_markdown("".join(qa.find("Answer").itertext()) if qa.find("Answer") is not None else "")
        if not question:
            if answer:
                dropped.append(Dropped(answer[:200], "answer without a question", qa.sourceline))
            continue
        if not answer:
            dropped.append(Dropped(question, "question without an answer", qa.sourceline))
            continue
        pid = (qa.get("pid") or "").strip()
        qid = (question_el.get("qid") or "").strip() if question_el is not None else ""
        if doc_id and pid:
            pair_id: str | None = f"{source}_{doc_id}_Sec{pid}" if source else f"{doc_id}_Sec{pid}"
        else:
            pair_id = qid or None
        metadata = {"topic": focus, "collection": source, "qtype": (question_el.get("qtype") or "").strip(),
                    "focus_category": group}
        if synonyms:
            metadata["synonyms"] = "; ".join(s for s in synonyms if s)
        pairs.append(
            RawPair(
                question=question,
                answer=answer,
                id=pair_id,
                source=url,
                line=question_el.sourceline if question_el is not None else qa.sourceline,
                metadata={k: v for k, v in metadata.items() if v},
            )
        )
    return pairs


def read_xml(text: str, origin: str) -> ReadResult:
    """Read one MedQuAD ``<Document>`` (or a root holding several)."""
    root = parse_xml(text, origin)
    documents = [root] if root.tag == "Document" else list(root.iter("Document"))
    if not documents:
        raise IngestError(origin, f"not a MedQuAD-style document: root element <{root.tag}> holds no <Document>",
                          line=root.sourceline)
    dropped: list[Dropped] = []
    pairs: list[RawPair] = []
    for doc in documents:
        pairs.extend(_document_pairs(doc, dropped))
    title = _text(documents[0].find("Focus")) or None if len(documents) == 1 else None
    return ReadResult(format="xml", pairs=pairs, dropped=dropped, title=title)
