"""Redaction of what people type before it is stored: the query log and feedback keep no personal data.

Removed, each replaced by a placeholder: e-mail addresses, plain and obfuscated ("john dot doe
at gmail dot com", "jane [at] example [dot] org"); long numbers (phone, card, account numbers);
card expiry dates and security codes ("exp 04/27", "CVV 123"); passwords, PINs and passcodes
given with their value ("my password is hunter2"); street addresses ("221B Baker Street",
"Hauptstraße 5", US state + ZIP, UK postcodes); personal names where something in the text says
that a name follows ("my name is ...", "I'm Jane Doe", "Mr Smith", "call me ...").

Names elsewhere are kept on purpose. Finding them needs a named-entity model: Microsoft
Presidio and scrubadub's name detector use spaCy, whose English models are not published on
PyPI by their authors (only unofficial copies are), weigh 12-500 MB on top of spaCy itself,
and in questions about health they take the eponyms that a gaps report needs ("Crohn's
disease", "Parkinson", "Down syndrome", "Hodgkin lymphoma") for people. Cue phrases find the
names people give about themselves, which is how names reach an FAQ search box, and nothing
else. The patterns are tested in tests/test_redact.py, keep-cases included.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# -- e-mail addresses ----------------------------------------------------------------------------
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_WORD = r"[A-Za-z0-9][\w+-]*"
_SPELLED_AT = r"\s*[\[({<]\s*at\s*[\])}>]\s*|\s+at\s+|\s*@\s*"
_SPELLED_DOT = r"\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+|\."
# The address must end in a real top-level domain (any two letters, or a common longer one), so
# that "look at page 2.3" or "me at john dot doe at ..." does not take the wrong words.
_TLD = r"(?:[a-z]{2}|com|org|net|edu|gov|mil|int|info|biz|app|dev|online|email|mail)"
_OBFUSCATED_EMAIL = re.compile(
    rf"\b{_WORD}(?:(?:{_SPELLED_DOT}|[_-]){_WORD})*(?:{_SPELLED_AT})"
    rf"{_WORD}(?:(?:{_SPELLED_DOT}){_WORD})*(?:{_SPELLED_DOT}){_TLD}\b",
    _I,
)


# -- cards: expiry and security code; passwords ----------------------------------------------------
_EXPIRY = re.compile(
    r"\b(?:exp(?:iry|iration|ires?|\.)?(?:\s+date)?|valid\s+(?:thru|through|until|to)|good\s+thru)\b"
    r"\W{0,3}(?:on\s+|is\s+)?(?:0?[1-9]|1[0-2])\s*[/.-]\s*(?:\d{4}|\d{2})\b",
    _I,
)
_CVV = re.compile(r"\b(?:cvv2?|cvc2?|csc|cid|security\s+code|card\s+code|verification\s+code)\b\W{0,3}(?:is\s+)?\d{3,4}\b", _I)
_SECRET_WORD = r"(?:pass(?:word|code|phrase)?|pwd|pw|pin(?:\s+(?:code|number))?)"
_SECRET = re.compile(
    rf"\b({_SECRET_WORD})(\s+(?:is|was|=|:)\s*|\s*[:=]\s*)(\"[^\"]*\"|'[^']*'|\S+?)(?=[,;]*(?:\s|$))",
    _I,
)
_NOT_A_SECRET = _words(
    "not no never wrong incorrect invalid expired too very correct right the a an case required being "
    "still always rejected locked blocked changed reset forgotten lost same different weak strong long "
    "short empty saved stored now it this that my your our their his her correctly working accepted ok "
    "okay fine too_short missing set sent "
)


def _secret(match: re.Match[str]) -> str:
    value = match.group(3).strip("\"'.,;!?").lower()
    if not value or value in _NOT_A_SECRET:
        return match.group()
    return f"{match.group(1)}{match.group(2)}[password]"


# -- street addresses ------------------------------------------------------------------------------
_STREET_TYPES = (
    r"street|st|avenue|ave|road|rd|lane|ln|boulevard|blvd|drive|dr|court|ct|place|pl|square|sq|terrace|"
    r"close|crescent|parkway|pkwy|highway|hwy|circle|cir|way|row|mews|alley"
)
# Words between a house number and the street type; not the small words of "5 miles on the road".
_STREET_WORD = (
    r"(?!(?:on|in|at|to|the|a|an|of|my|per|every|each|down|up|and|or|for|from|by|with|along|across|"
    r"miles?|km|kilometres?|kilometers?|times?|days?|hours?|minutes?|laps?|blocks?)\b)[A-Za-z][\w'-]*\.?"
)
_STREET = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?:{_STREET_WORD}\s+){{1,3}}(?:{_STREET_TYPES})\b\.?"
    r"(?:,?\s+(?:apt|apartment|unit|suite|flat|#)\.?\s*\w{1,5})?",
    _I,
)
_CONTINENTAL_STREET = re.compile(
    r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|laan|straat|gracht|vej|gatan|gata)"
    r"\s+\d{1,4}[a-z]?\b|\b(?:rue|avenue|boulevard|via|viale|calle|avenida|rua)\s+(?:[\w'-]+\s+){1,4}\d{1,4}\b",
    _I,
)
_NUMBER_FIRST_STREET = re.compile(
    r"\b\d{1,4}(?:\s*(?:bis|ter))?,?\s+(?i:rue|avenue|av\.|boulevard|bd|place|chemin|all[ée]e|impasse|quai|via|"
    r"viale|piazza|calle|avenida|plaza|rua)\s+(?:(?i:de|du|des|la|le|del|della|di|da|do|dos)\s+|l'|d')*[A-Z][\w'-]+"
)
_US_STATE_ZIP = re.compile(
    r"\b(?:AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|"
    r"OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC)\s+\d{5}(?:-\d{4})?\b"
)
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}\b")

# -- personal names, after a cue -------------------------------------------------------------------
_NAME_TOKEN = r"[A-Z][a-z'’-]+|[A-Z]\.?"
_CAPITALISED_NAME = rf"(?:{_NAME_TOKEN})(?:\s+(?:{_NAME_TOKEN})){{0,2}}"
_ANY_NAME = r"[A-Za-z][a-z'’-]+(?:\s+(?!(?:and|but|or|i|im|i'm|from|my|is|please|help|how|can|what|why)\b)[A-Za-z][a-z'’-]+){0,2}"
_NAME_CUES = [
    # "my name is jane doe", "name: Jane Doe": a name follows whatever its case.
    re.compile(rf"(?i:\b(?:my\s+name\s+is|my\s+name's|name\s*:|call\s+me|signed|regards,?|cheers,?|thanks,?)\s+)"
               rf"(?!(?:not|a|an|the|very|so)\b)({_ANY_NAME})"),
    # "I'm Jane Doe", "this is John": only a capitalised word, not "I'm tired".
    re.compile(rf"(?i:\b(?:i\s+am|i'm|im|this\s+is|it's|it\s+is)\s+)({_CAPITALISED_NAME})(?=\s*(?:[,.!?;]|$|\s+(?:and|from|here|speaking)\b))"),
    # Titles: "Mr Smith", "Dr. Jane Doe".
    re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame)\.?\s+({_CAPITALISED_NAME})"),
]
_NOT_A_NAME = _words(
    "i me you he she we they it a an the not so very sorry new here there back sure fine ok okay good "
    "tired sick pregnant diabetic worried confused unable trying looking wondering asking going having "
    "on at in about after before later now today tomorrow tonight anytime when if asap please back "
)


def _name(match: re.Match[str]) -> str:
    name = match.group(1)
    if name.split()[0].lower() in _NOT_A_NAME:
        return match.group()
    start, end = match.span(1)
    whole = match.group()
    offset = match.start()
    return whole[: start - offset] + "[name]" + whole[end - offset :]


# -- long numbers ----------------------------------------------------------------------------------
_LONG_NUMBER = re.compile(r"\+?\d[\d ()./-]{5,}\d")


def _long_number(match: re.Match[str]) -> str:
    return match.group() if sum(c.isdigit() for c in match.group()) < 6 else "[number]"


def redact(text: str) -> str:
    """``text`` with personal data replaced by placeholders ([email], [number], [password], ...)."""
    text = _EMAIL.sub("[email]", text)
    text = _OBFUSCATED_EMAIL.sub("[email]", text)
    text = _SECRET.sub(_secret, text)
    text = _EXPIRY.sub("[card expiry]", text)
    text = _CVV.sub("[card code]", text)
    text = _LONG_NUMBER.sub(_long_number, text)
    text = _STREET.sub("[address]", text)
    text = _CONTINENTAL_STREET.sub("[address]", text)
    text = _NUMBER_FIRST_STREET.sub("[address]", text)
    text = _US_STATE_ZIP.sub("[address]", text)
    text = _UK_POSTCODE.sub("[postcode]", text)
    for cue in _NAME_CUES:
        text = cue.sub(_name, text)
    return text
