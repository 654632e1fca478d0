"""The public API is what __all__ says, no more: a change to it is a decision, made here."""

import oftenasked


def test_all_is_pinned():
    assert sorted(oftenasked.__all__) == [
        "Answer", "Dropped", "Hit", "IngestError", "IngestReport", "InputError", "KnowledgeBase",
        "MissingExtraError", "NotFoundError", "OftenaskedError", "Page", "Pair", "Related", "Settings",
        "SourceReport", "__version__",
    ]
    for name in oftenasked.__all__:
        assert hasattr(oftenasked, name)


def test_errors_carry_http_statuses():
    assert oftenasked.InputError("x").status == 400
    assert oftenasked.IngestError("f.txt", "bad", line=3).status == 422
    assert str(oftenasked.IngestError("f.txt", "bad", line=3, field="answer")) == "f.txt, line 3, field 'answer': bad"
    assert oftenasked.NotFoundError("x").status == 404
