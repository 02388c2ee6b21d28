"""What the buyer typed → a small boolean tree of search terms, the same for every backend.

`parse_query("mei gui 精油")` gives, roughly,
`AllOf(AnyOf(AllOf(mei, gui), pinyin:meigui*), AnyOf(精油))`: every concept must match,
each in any of its forms. Forms of a concept:

* a Chinese word (jieba `lcut`, the coarse word; documents index the fine words too);
* a latin word, its naive singular, and — when it reads as toneless pinyin
  (`meigui`, `méiguī`, `mei2gui1`) — a pinyin term; consecutive latin words that together
  read as pinyin (`mei gui`) also match joined. Pinyin terms of 4+ letters match as
  prefixes of a pinyin word (`meigui` finds 玫瑰花 `meiguihua`);
* a synonym term (`grape seed`, `积雪草`) → any equivalent from the synonym table;
* a CAS/EC number (`84696-47-9`) → exact, in the `codes` field only.

Fields named in terms are logical: `pinyin` (full pinyin and initials of Chinese titles),
`codes` (CAS/EC, digits only). No fields means every text field.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from search.normalize import has_cjk, normalize
from search.synonyms import SynonymTable, default_table
from search.text import CJK_STOPWORDS, LATIN_STOPWORDS, pinyin_variant, segment, singular

# CAS (2-7 digits, 2, 1) or EC (3, 3, 1) registry numbers, as typed with their hyphens.
CODE_RE = re.compile(r"(?<![\d-])(?:\d{2,7}-\d{2}-\d|\d{3}-\d{3}-\d)(?![\d-])")
PINYIN_PREFIX_MIN = 4


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool = False
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Phrase:
    tokens: tuple[str, ...]
    prefix: bool = False
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class AllOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]


Node = Term | Phrase | AllOf | AnyOf


@dataclass(frozen=True)
class ParsedQuery:
    """`root` None means match everything. `codes`: CAS/EC numbers typed (digits only),
    which rank their listing first. What to highlight: `literals` (words as typed, with
    a prefix flag), `expanded` (synonyms of typed terms), `pinyin` (readings typed)."""

    root: Node | None
    codes: tuple[str, ...] = ()
    literals: tuple[tuple[str, bool], ...] = ()
    expanded: tuple[tuple[str, bool], ...] = ()
    pinyin: tuple[str, ...] = ()


def compact_code(code: str) -> str:
    return code.replace("-", "")


def _any(nodes: list[Node]) -> Node:
    unique = list(dict.fromkeys(nodes))
    return unique[0] if len(unique) == 1 else AnyOf(tuple(unique))


def _all(nodes: list[Node]) -> Node:
    return nodes[0] if len(nodes) == 1 else AllOf(tuple(nodes))


def term_node(term: str) -> Node:
    """A (synonym) term as a node: one token, a latin phrase, or Chinese words all present."""
    tokens = segment(normalize(term), fine=False)
    if len(tokens) == 1:
        return Term(tokens[0])
    if not has_cjk(term):
        return Phrase(tuple(tokens))
    return AllOf(tuple(Term(t) for t in tokens))


class _Builder:
    def __init__(self, synonyms: SynonymTable | None, prefix_last: bool) -> None:
        self.synonyms = synonyms
        self.prefix_last = prefix_last
        self.literals: list[tuple[str, bool]] = []
        self.expanded: list[tuple[str, bool]] = []
        self.pinyin: list[str] = []

    def word(self, token: str, pinyin_token: str, last: bool) -> Node:
        prefix = last and self.prefix_last
        self.literals.append((token, prefix))
        forms: list[Node] = [Term(token, prefix=prefix)]
        if has_cjk(token):
            return forms[0]
        if token.isascii() and token.isalpha() and 2 <= len(token) <= 6:
            self.pinyin.append(token)  # may be pinyin initials (`mg`): highlight those too
        plural = singular(token)
        if plural and not prefix:
            forms.append(Term(plural))
        reading = pinyin_variant(pinyin_token)
        if reading and (reading != token or prefix or len(reading) >= PINYIN_PREFIX_MIN):
            forms.append(self.pinyin_term(reading, prefix))
        elif reading:
            self.pinyin.append(reading)
        return _any(forms)

    def pinyin_term(self, reading: str, prefix: bool = False) -> Term:
        self.pinyin.append(reading)
        return Term(reading, prefix=prefix or len(reading) >= PINYIN_PREFIX_MIN, fields=("pinyin",))

    def synonym(self, typed: list[str], terms: tuple[str, ...]) -> Node:
        self.literals.extend((t, False) for t in typed)
        for term in terms:
            self.expanded.extend((t, False) for t in segment(normalize(term), fine=False))
        return _any([term_node(t) for t in terms])


def parse_query(
    text: str,
    *,
    prefix_last: bool = False,
    synonyms: SynonymTable | None = None,
    expand: bool = True,
    synonyms_in_tree: bool = True,
) -> ParsedQuery:
    """Parse a query.

    `prefix_last`: the last word is being typed (suggest). `expand=False`: no synonyms.
    `synonyms_in_tree=False`: synonyms are looked up for highlighting only, and the tree
    holds just what was typed — for an index whose documents carry the equivalents of
    their synonym terms (the embedded backend's `synonyms`/`related` fields).
    """
    raw = unicodedata.normalize("NFKC", text or "")
    codes: list[str] = []
    raw_codes: list[str] = []
    for m in CODE_RE.finditer(raw):
        raw_codes.append(m.group(0))
        codes.append(compact_code(m.group(0)))
    rest = CODE_RE.sub(" ", raw)
    table = (synonyms or default_table()) if expand else None
    builder = _Builder(table, prefix_last)

    tokens = segment(normalize(rest), fine=False)
    py_tokens = segment(normalize(rest, pinyin=True), fine=False)
    if len(py_tokens) != len(tokens):  # cannot happen (ü→v keeps boundaries); be safe
        py_tokens = tokens
    kept = [i for i, t in enumerate(tokens) if t not in CJK_STOPWORDS | LATIN_STOPWORDS]
    if kept:
        tokens = [tokens[i] for i in kept]
        py_tokens = [py_tokens[i] for i in kept]

    matches = {m.start: m for m in (table.find(tokens) if table else [])}
    concepts: list[tuple[Node, bool, int]] = []  # (node, is_plain_latin_word, token index)
    i = 0
    while i < len(tokens):
        match = matches.get(i)
        if match is not None and not synonyms_in_tree:
            builder.expanded.extend(
                (t, False) for term in match.terms for t in segment(normalize(term), fine=False)
            )
        elif match is not None:
            typed = tokens[match.start : match.end]
            concepts.append((builder.synonym(typed, match.terms), False, i))
            i = match.end
            continue
        last = i == len(tokens) - 1
        node = builder.word(tokens[i], py_tokens[i], last)
        concepts.append((node, not has_cjk(tokens[i]), i))
        i += 1

    nodes = _join_pinyin_runs(concepts, py_tokens, builder)
    for code in codes:
        nodes.append(Term(code, fields=("codes",)))
    builder.literals.extend((c, False) for c in raw_codes)
    root = _all(nodes) if nodes else None
    return ParsedQuery(
        root=root,
        codes=tuple(codes),
        literals=tuple(dict.fromkeys(builder.literals)),
        expanded=tuple(dict.fromkeys(builder.expanded)),
        pinyin=tuple(dict.fromkeys(builder.pinyin)),
    )


def _join_pinyin_runs(
    concepts: list[tuple[Node, bool, int]], py_tokens: list[str], builder: _Builder
) -> list[Node]:
    """Runs of 2+ latin words that read as pinyin when joined (`mei gui`) may match joined."""
    out: list[Node] = []
    i = 0
    while i < len(concepts):
        j = i
        while j < len(concepts) and concepts[j][1]:
            j += 1
        if j - i >= 2:
            joined = pinyin_variant("".join(py_tokens[concepts[k][2]] for k in range(i, j)))
            separate = _all([concepts[k][0] for k in range(i, j)])
            if joined:
                prefix = builder.prefix_last and j == len(concepts)
                out.append(_any([separate, builder.pinyin_term(joined, prefix)]))
            else:
                out.extend(concepts[k][0] for k in range(i, j))
            i = j
        else:
            out.append(concepts[i][0])
            i += 1
    return out

