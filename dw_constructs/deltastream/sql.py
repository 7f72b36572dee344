"""DeltaStream identifiers and the little SQL reading the constructs need, in plain Python.

Identifiers. The provider (1.0.3) always double-quotes the names it puts into DDL (``CREATE
DATABASE "<name>"``), so a name is stored exactly as written: case-sensitive, non-ASCII allowed
(the upstream acceptance tests use names like ``Database_1a2b-东西``). In SQL that *you* write,
DeltaStream reads an unquoted identifier in lower case (the provider's own ``ParseIdentifier``
does the same), so a mixed-case or non-ASCII name must be written quoted. Our rules for a name
(:func:`identifier_problems`):

- 1..:data:`MAX_IDENTIFIER_LENGTH` characters, no leading or trailing whitespace;
- no control characters;
- none of ``"`` ``'`` `````` ``\\``: provider 1.0.3 interpolates names into SQL without escaping
  them in several statements (``WHERE name = '<name>'`` lookups, ``CREATE SECRET "<name>"``), where
  such a character breaks the statement or changes its meaning.

The length limit is ours (DeltaStream publishes none we could check offline); 255 characters is
what common catalogs allow.

SQL reading is a small lexer (strings, quoted identifiers, comments, words, punctuation), enough
to find the statement kind, the name an object DDL creates, the target and the FROM/JOIN
relations of an ``INSERT INTO ... SELECT``, without a full grammar.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

#: Longest name we accept (characters).
MAX_IDENTIFIER_LENGTH = 255
#: Characters a name must not contain (provider 1.0.3 interpolates names without escaping).
FORBIDDEN_CHARACTERS = "\"'`\\"
#: An identifier that means the same unquoted: DeltaStream folds unquoted names to lower case.
_PLAIN = re.compile(r"^[a-z_][a-z0-9_]*$")
_UNQUOTED_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")

IDENTIFIER_ALLOWED = (
    f"a name of 1..{MAX_IDENTIFIER_LENGTH} characters without leading/trailing spaces, "
    "control characters or any of \" ' ` \\ (letters of any case and script, digits, "
    "spaces and other punctuation are fine)"
)


def identifier_problem(value: object) -> str | None:
    """Why ``value`` is not an acceptable DeltaStream name (None when it is)."""
    if not isinstance(value, str):
        return "not a string"
    if not value:
        return "empty"
    if len(value) > MAX_IDENTIFIER_LENGTH:
        return f"{len(value)} characters (at most {MAX_IDENTIFIER_LENGTH})"
    if value != value.strip():
        return "leading or trailing whitespace"
    bad = sorted({ch for ch in value if ch in FORBIDDEN_CHARACTERS})
    if bad:
        return "contains " + " ".join(bad)
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in value):
        return "contains a control or format character"
    return None


def quote(name: str) -> str:
    """``name`` as a quoted SQL identifier (``"Page Views"``); always quoting keeps its case."""
    return '"' + name.replace('"', '""') + '"'


def fqn(*parts: str) -> str:
    """A relation's fully qualified name as DeltaStream prints it: ``"db"."namespace"."name"``
    (the form ``deltastream_object.fqn`` holds and ``deltastream_query`` compares with)."""
    return ".".join(quote(p) for p in parts)


def needs_quotes(name: str) -> bool:
    """True when ``name`` written unquoted would mean something else (or not parse)."""
    return _PLAIN.match(name) is None


def string_literal(value: str) -> str:
    """A SQL string literal (``'it''s'``)."""
    return "'" + value.replace("'", "''") + "'"


# --- lexing ------------------------------------------------------------------------------------

_LEX = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>--[^\n]*|/\*.*?\*/)
  | (?P<string>'(?:[^']|'')*')
  | (?P<qident>"(?:[^"]|"")*")
  | (?P<bident>`(?:[^`]|``)*`)
  | (?P<word>[^\s'"`.,;()\[\]=<>!+\-*/%|:&^~]+)
  | (?P<punct>.)
""",
    re.S | re.X,
)


@dataclass(frozen=True)
class Token:
    kind: str  # string, qident, bident, word, punct
    text: str
    pos: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def tokens(sql: str) -> list[Token]:
    """The significant tokens of ``sql`` (whitespace and comments dropped). An unterminated
    string or quoted identifier shows up as a ``punct`` token ``'`` / ``"``."""
    out = []
    for m in _LEX.finditer(sql):
        kind = m.lastgroup or "punct"  # every alternative of _LEX is a named group
        if kind in ("ws", "comment"):
            continue
        out.append(Token(kind, m.group(), m.start()))
    return out


def unbalanced(toks: Sequence[Token]) -> str | None:
    """A quote that is never closed, or parentheses that do not match (None when fine)."""
    depth = 0
    for t in toks:
        if t.kind == "punct" and t.text in ("'", '"', "`"):
            return f"an unterminated {t.text} at offset {t.pos}"
        if t.kind == "punct" and t.text == "(":
            depth += 1
        elif t.kind == "punct" and t.text == ")":
            depth -= 1
            if depth < 0:
                return f"a ')' without '(' at offset {t.pos}"
    return "a '(' that is never closed" if depth else None


@dataclass(frozen=True)
class Name:
    """One identifier as written in SQL and what it resolves to."""

    written: str
    resolved: str
    quoted: bool

    @property
    def folded(self) -> bool:
        """Unquoted and not all lower case: DeltaStream reads it in lower case."""
        return not self.quoted and self.written != self.resolved

    @property
    def needs_quotes(self) -> bool:
        """Unquoted but not a plain identifier (e.g. non-ASCII): it must be quoted."""
        return not self.quoted and _UNQUOTED_WORD.match(self.written) is None


def _name(t: Token) -> Name | None:
    if t.kind == "qident":
        return Name(t.text, t.text[1:-1].replace('""', '"'), True)
    if t.kind == "bident":
        return Name(t.text, t.text[1:-1].replace("``", "`"), True)
    if t.kind == "word":
        return Name(t.text, t.text.lower(), False)
    return None


def qualified_name(toks: Sequence[Token], i: int) -> tuple[list[Name], int]:
    """The dotted name starting at ``toks[i]`` (``a."B".c``) and the index after it."""
    parts: list[Name] = []
    while i < len(toks):
        n = _name(toks[i])
        if n is None:
            break
        parts.append(n)
        i += 1
        if i < len(toks) and toks[i].kind == "punct" and toks[i].text == ".":
            i += 1
            continue
        break
    return parts, i


def normalize(sql: str) -> str:
    """The form we emit and fingerprint: whitespace outside strings, quoted identifiers and
    comments made canonical (a run with a line break becomes one line break, any other run one
    space; so indentation and trailing spaces are gone), surrounding whitespace stripped, one
    trailing ``;``. Re-indenting or re-wrapping spaces in a statement therefore changes nothing;
    line breaks stay, so plans remain readable."""
    out = []
    for m in _LEX.finditer(sql.replace("\r\n", "\n").replace("\r", "\n")):
        if m.lastgroup == "ws":
            out.append("\n" if "\n" in m.group() else " ")
        else:
            out.append(m.group())
    text = "".join(out).strip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    return text + ";" if text else ""


def statements(toks: Sequence[Token]) -> int:
    """How many statements ``toks`` hold (``;`` separated, a trailing ``;`` ends the last)."""
    count, pending = 0, False
    for t in toks:
        if t.kind == "punct" and t.text == ";":
            if pending:
                count += 1
            pending = False
        else:
            pending = True
    return count + (1 if pending else 0)


# --- statements ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectDdl:
    """What a ``CREATE STREAM|CHANGELOG|TABLE`` statement says."""

    kind: str | None  # STREAM, CHANGELOG, TABLE, or None when not such a statement
    name: list[Name]  # the (qualified) name it creates
    as_select: bool  # CREATE ... AS SELECT (a query, not an object)
    store: str | None  # the 'store' property of its WITH clause, if any


def read_object_ddl(sql: str) -> ObjectDdl:
    toks = tokens(sql)
    i = 0
    if i < len(toks) and toks[i].upper == "CREATE":
        i += 1
        if i + 1 < len(toks) and toks[i].upper == "OR" and toks[i + 1].upper == "REPLACE":
            i += 2
    else:
        return ObjectDdl(None, [], False, None)
    kind = toks[i].upper if i < len(toks) and toks[i].upper in ("STREAM", "CHANGELOG", "TABLE") else None
    if kind is None:
        return ObjectDdl(None, [], False, None)
    name, i = qualified_name(toks, i + 1)
    depth, as_select, store = 0, False, None
    for j in range(i, len(toks)):
        t = toks[j]
        if t.kind == "punct" and t.text == "(":
            depth += 1
        elif t.kind == "punct" and t.text == ")":
            depth -= 1
        elif depth == 0 and t.upper == "AS" and j + 1 < len(toks) and toks[j + 1].upper == "SELECT":
            as_select = True
        elif (
            t.kind == "string"
            and t.text.lower() == "'store'"
            and j + 2 < len(toks)
            and toks[j + 1].text == "="
            and toks[j + 2].kind == "string"
        ):
            store = toks[j + 2].text[1:-1].replace("''", "'")
    return ObjectDdl(kind, name, as_select, store)


@dataclass(frozen=True)
class InsertQuery:
    """What an ``INSERT INTO <sink> SELECT ... FROM <source> JOIN <source>`` says."""

    is_insert: bool
    target: list[Name]
    sources: list[list[Name]]  # every relation after FROM / JOIN, in order of appearance
    ctes: frozenset[str]  # names defined by WITH <name> AS (...)


def read_insert(sql: str) -> InsertQuery:
    toks = tokens(sql)
    if len(toks) < 3 or toks[0].upper != "INSERT" or toks[1].upper != "INTO":
        return InsertQuery(False, [], [], frozenset())
    target, i = qualified_name(toks, 2)
    sources: list[list[Name]] = []
    ctes: set[str] = set()
    for j in range(i, len(toks)):
        t = toks[j]
        if t.upper in ("FROM", "JOIN") and j + 1 < len(toks):
            parts, _ = qualified_name(toks, j + 1)
            if parts:
                sources.append(parts)
        elif (
            t.upper == "WITH"
            and j + 2 < len(toks)
            and toks[j + 2].upper == "AS"
            and (n := _name(toks[j + 1])) is not None
        ):
            ctes.add(n.resolved)
        elif (
            t.kind == "punct"
            and t.text == ","
            and j + 2 < len(toks)
            and toks[j + 2].upper == "AS"
            and j + 3 < len(toks)
            and toks[j + 3].text == "("
            and (n := _name(toks[j + 1])) is not None
        ):
            ctes.add(n.resolved)  # a second CTE: WITH a AS (...), b AS (...)
    return InsertQuery(True, target, sources, frozenset(ctes))


def iter_names(parts: Sequence[Name]) -> Iterator[str]:
    return (p.resolved for p in parts)
