"""Plain text out of markdown, sentences out of text, and whole-word matching of phrases."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "STOPWORDS",
    "contains_phrase",
    "content_tokens",
    "count_words",
    "inline_plain",
    "lowered_start",
    "markdown_blocks",
    "phrase_pattern",
    "split_sentences",
    "strip_list_marker",
    "words",
]

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\u2019_-]*")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s+")
# A bold lead term ending in its own full stop or colon, then its text:
# "**Intake Forms.** The forms that start and feed workflows."
_LEAD_TERM = re.compile(r"^(\*\*|__)(?P<term>[^*_]+?)[.:]\1\s+(?P<rest>\S.*)$", re.DOTALL)
# A sentence ends at . ! or ? followed by space and a capital, digit or opening quote; the
# lookbehinds keep common abbreviations and initials inside their sentence.
_BOUNDARY = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?][\"\u201d\u2019)]))"
    r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\betc\.)(?<!\bvs\.)(?<!\bMr\.)(?<!\bDr\.)(?<!\bNo\.)"
    r"(?<!\b[A-Z]\.)\s+(?=[\"\u201c\u2018(]?[A-Z0-9])"
)

_STOPWORD_TEXT = """
a about above after again against all also am an and any are as at be because been
before being below between both but by can could did do does doing down during each few
for from further had has have having he her here hers herself him himself his how i if
in into is it its itself just let me more most my myself no nor not of off on once only
or other our ours ourselves out over own same she should so some such than that the
their theirs them themselves then there these they this those through to too under until
up us very was we were what when where which while who whom why will with would you your
yours yourself yourselves one two may might must each every per via
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def words(text: str) -> list[str]:
    """The words of ``text`` as written (numbers count as words; punctuation does not)."""
    return _WORD.findall(text)


def count_words(markdown: str) -> int:
    return len(words(inline_plain(markdown)))


def content_tokens(text: str) -> list[str]:
    """Lower-cased words that carry meaning: stopwords and one-letter words left out."""
    return [
        w
        for w in (token.lower().strip("'\u2019-_") for token in words(text))
        if len(w) > 1 and w not in STOPWORDS
    ]


def inline_plain(markdown: str) -> str:
    """Links become their text; emphasis, code ticks, heading and list markers go."""
    lines = []
    for line in markdown.splitlines():
        line = _HEADING.sub("", line)
        line = _LIST_MARKER.sub("", line)
        line = _LINK.sub(r"\1", line)
        previous = None
        while previous != line:
            previous, line = line, _EMPHASIS.sub(r"\2", line)
        lines.append(line)
    return "\n".join(lines)


def strip_list_marker(line: str) -> str:
    return _LIST_MARKER.sub("", line)


def markdown_blocks(markdown: str) -> list[str]:
    """Paragraphs and list items: a blank line or a new list item starts the next block."""
    blocks: list[str] = []
    current: list[str] = []
    for line in markdown.splitlines():
        if not line.strip() or _LIST_MARKER.match(line) or _HEADING.match(line):
            if current:
                blocks.append(" ".join(current))
                current = []
            if not line.strip():
                continue
        current.append(line.strip())
    if current:
        blocks.append(" ".join(current))
    return blocks


# Words that may lose their capital after a connector or a lead term: common words only,
# never a name, an acronym or "I".
_LOWER_SAFE = (STOPWORDS - {"i"}) | {"every", "each", "most", "many", "some", "all", "any", "no"}


def lowered_start(sentence: str) -> str | None:
    """``sentence`` as it reads after a connector or a colon: a capitalised common first word
    lower-cased; a number or an acronym kept; ``None`` when the capital may be a name's."""
    first = sentence.split(" ", 1)[0]
    if first.lower() in _LOWER_SAFE and first[:1].isupper() and first[1:] == first[1:].lower():
        return sentence[:1].lower() + sentence[1:]
    if first[:1].isdigit() or (len(first) > 1 and first.isupper()):
        return sentence
    return None


def _with_lead_term(term: str, sentence: str) -> str:
    """A glossary-like lead term joined to the first sentence of its text, in their own
    words: "Intake Forms: the forms that start and feed workflows." (a dash where either has
    a colon already)."""
    rest = lowered_start(sentence) or sentence
    joiner = " \u2014 " if ":" in term or ":" in sentence else ": "
    return f"{term}{joiner}{rest}"


def split_sentences(text: str) -> list[str]:
    """The sentences of plain text, each stripped; list items and lines stay apart.

    A block led by a bold term with its own full stop ("**Run.** One execution of …") keeps
    the term with its first sentence ("Run: one execution of …"): alone, the term is no
    sentence and the definition has no subject.
    """
    found: list[str] = []
    for block in markdown_blocks(text):
        lead = _LEAD_TERM.match(strip_list_marker(block))
        term = inline_plain(lead.group("term")).strip() if lead else ""
        plain = inline_plain(lead.group("rest") if lead else block).strip()
        sentences = [s.strip() for s in _BOUNDARY.split(plain) if s and s.strip()]
        if term and sentences:
            sentences[0] = _with_lead_term(term, sentences[0])
        found += sentences
    return found


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """``phrase`` as a whole-word, case-insensitive pattern; inner spaces match any space."""
    parts = [re.escape(part) for part in phrase.split()]
    return re.compile(r"(?<![\w-])" + r"\s+".join(parts) + r"(?![\w-])", re.IGNORECASE)


def contains_phrase(text: str, phrases: Iterable[str]) -> list[str]:
    """Which of ``phrases`` occur in ``text`` as whole words (case-insensitive)."""
    return [p for p in phrases if phrase_pattern(p).search(text)]
