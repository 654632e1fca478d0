"""Redaction before anything people type is stored: personal data goes, the question stays useful."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oftenasked.usage import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # obfuscated e-mail addresses
        ("email me at john dot doe at gmail dot com", "email me at [email]"),
        ("john.doe (at) gmail (dot) com please", "[email] please"),
        ("jane [at] example [dot] org", "[email]"),
        ("reach me at jane at example.com", "reach me at [email]"),
        # passwords, PINs, card expiry and security code
        ("my password is hunter2 and it doesn't work", "my password is [password] and it doesn't work"),
        ("password: Sup3r$ecret!", "password: [password]"),
        ("my pin is 4321", "my pin is [password]"),
        ("card exp 04/27 cvv 123", "card [card expiry] [card code]"),
        ("expiry date 04/2027, security code 987", "[card expiry], [card code]"),
        # street addresses and postcodes
        ("I live at 221B Baker Street, London NW1 6XE", "I live at [address], London [postcode]"),
        ("send it to 1600 Pennsylvania Avenue NW, Washington, DC 20500",
         "send it to [address] NW, Washington, [address]"),
        ("Hauptstraße 5, 10115 Berlin", "[address], 10115 Berlin"),
        ("24 rue de Rivoli", "[address]"),
        # names that the text says are names
        ("my name is jane doe and my back hurts", "my name is [name] and my back hurts"),
        ("I'm Jane Doe, can I run with back pain?", "I'm [name], can I run with back pain?"),
        ("this is John from accounts", "this is [name] from accounts"),
        ("Mr Smith asked about refunds", "Mr [name] asked about refunds"),
        ("regards, Peter Parker", "regards, [name]"),
    ],
)
def test_personal_data_is_removed(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "How do I reset my password?",
        "my password is not working",
        "I'm tired of back pain when I run",
        "call me on [number] please",
        "is Parkinson's disease hereditary?",
        "what is Crohn's disease",
        "does Down syndrome affect running",
        "look at page 2.3 of the guide",
        "I run 5 miles on the road every day",
        "take 2 st john's wort tablets?",
        "is ibuprofen 400 mg safe in 2024?",
        "I am 45 and my knee hurts",
        "what does PIN mean on my card?",
    ],
)
def test_questions_without_personal_data_are_kept(text: str) -> None:
    assert redact(text) == text


@given(st.text(max_size=200))
def test_redaction_is_idempotent(text: str) -> None:
    assert redact(redact(text)) == redact(text)


@given(st.text(alphabet=st.sampled_from(list("abc 1234567890@.[]()/:-atdo")), max_size=80))
def test_redaction_is_idempotent_on_text_made_of_its_own_triggers(text: str) -> None:
    assert redact(redact(text)) == redact(text)
