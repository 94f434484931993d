"""A small Rust lexer: source text → tokens, with whitespace and comments dropped.

Enough of the Rust reference's lexical grammar for the kit's checks on student files
(`rust_rules.py`), and no more: tokens are not parsed into items. What it gets right, because a
check that reads differently from rustc could be fooled:

- comments: `//` to the end of the line (a `\\n`, as rustc; not Python's other line breaks),
  `/* ... */` nested to any depth, doc comments of both kinds;
- literals: strings with escapes, byte and C strings (`b"..."`, `c"..."`), raw strings with any
  number of hashes (`r#"..."#`, `br##"..."##`, `cr"..."`), chars and byte chars (`'\\''`,
  `b'x'`), numbers (`0..n` is a range, `1.5e-3f32` one number);
- lifetimes and labels (`'a`, `'static`, `'r#a`) told apart from char literals;
- identifiers: raw identifiers (`r#extern` is the identifier `extern`, marked raw), NFC
  normalised like rustc's; `$name` (a macro metavariable, also `$crate`) is one token;
- punctuation: multi-character operators are single tokens (`::`, `!=`, `..=`, `->`), so `!`
  alone is never the first half of `!=`.

Text that rustc would refuse (an unterminated string or comment) raises `LexError`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Rust's whitespace: Pattern_White_Space (not Python's str.isspace, which is wider).
WHITESPACE = frozenset("\t\n\v\f\r \u0085\u200e\u200f\u2028\u2029")
IDENT = re.compile(r"[^\W\d]\w*")
# Longest first: the lexer takes the first that matches.
PUNCTUATION = sorted(
    "<<= >>= ... ..= :: -> => == != <= >= && || += -= *= /= %= ^= &= |= << >> .. <- "
    "; , . ( ) [ ] { } @ # ~ ? : $ = ! < > - & | + * / ^ %".split(), key=len, reverse=True)
OPENING = {"(": ")", "[": "]", "{": "}"}


class LexError(ValueError):
    """Text that is not a sequence of Rust tokens (rustc would refuse it too)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Token:
    """One token: `kind` is ident, metavar, lifetime, literal or punct.

    `text` is the identifier's name (raw prefix removed, NFC), the metavariable's name without
    `$`, or the token's source text.
    """

    kind: str
    text: str
    line: int
    raw: bool = False

    def is_ident(self, *names: str) -> bool:
        """Whether this is an identifier (or keyword), one of `names` if any are given."""
        return self.kind == "ident" and (not names or self.text in names)

    def is_punct(self, *texts: str) -> bool:
        """Whether this is punctuation, one of `texts` if any are given."""
        return self.kind == "punct" and (not texts or self.text in texts)


class _Lexer:
    def __init__(self, source: str) -> None:
        self.src = source.removeprefix("\ufeff")
        self.pos = 0
        self.line = 1
        self.tokens: list[Token] = []

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.src[index] if index < len(self.src) else ""

    def advance(self, count: int) -> str:
        text = self.src[self.pos:self.pos + count]
        self.line += text.count("\n")
        self.pos += count
        return text

    def emit(self, kind: str, text: str, line: int, raw: bool = False) -> None:
        self.tokens.append(Token(kind, text, line, raw))

    def run(self) -> list[Token]:
        while self.pos < len(self.src):
            char, line = self.peek(), self.line
            if char in WHITESPACE:
                self.advance(1)
            elif self.src.startswith("//", self.pos):
                end = self.src.find("\n", self.pos)
                self.advance((len(self.src) if end < 0 else end) - self.pos)
            elif self.src.startswith("/*", self.pos):
                self.block_comment()
            elif not self.prefixed_literal() and not self.ident_or_keyword(line):
                self.other(char, line)
        return self.tokens

    def block_comment(self) -> None:
        start, depth = self.line, 0
        while True:
            if self.pos >= len(self.src):
                raise LexError(start, "a /* comment is never closed")
            if self.src.startswith("/*", self.pos):
                depth += 1
                self.advance(2)
            elif self.src.startswith("*/", self.pos):
                depth -= 1
                self.advance(2)
                if depth == 0:
                    return
            else:
                self.advance(1)

    def prefixed_literal(self) -> bool:
        """Raw strings and b/c/br/cr-prefixed literals; False if none starts here."""
        match = re.compile(r"(br|cr|r|b|c)?(#*)(['\"])?").match(self.src, self.pos)
        prefix, hashes, quote = match.group(1) or "", match.group(2), match.group(3)
        line = self.line
        if "r" in prefix and quote == '"':
            self.advance(len(prefix) + len(hashes) + 1)
            closing = '"' + hashes
            end = self.src.find(closing, self.pos)
            if end < 0:
                raise LexError(line, "a raw string is never closed")
            self.advance(end + len(closing) - self.pos)
            self.emit("literal", "string", line)
            return True
        if prefix in ("b", "c") and not hashes and quote:
            self.advance(1)
            self.quoted(quote, line)
            return True
        return False

    def quoted(self, quote: str, line: int) -> None:
        """A string or char literal whose opening quote is at the current position."""
        self.advance(1)
        while True:
            char = self.peek()
            if not char:
                raise LexError(line, "a string or character literal is never closed")
            self.advance(2 if char == "\\" else 1)
            if char == quote:
                break
        self.emit("literal", "string" if quote == '"' else "char", line)

    def ident_or_keyword(self, line: int) -> bool:
        raw = self.src.startswith("r#", self.pos)
        match = IDENT.match(self.src, self.pos + (2 if raw else 0))
        if match is None:
            return False
        self.advance(match.end() - self.pos)
        self.emit("ident", unicodedata.normalize("NFC", match.group()), line, raw)
        return True

    def other(self, char: str, line: int) -> None:
        if char == '"':
            self.quoted('"', line)
        elif char == "'":
            self.quote_mark(line)
        elif char in "0123456789":
            self.number(line)
        elif char == "$" and (match := IDENT.match(self.src, self.pos + 1)):
            self.advance(1 + len(match.group()))
            self.emit("metavar", match.group(), line)
        else:
            text = next((p for p in PUNCTUATION if self.src.startswith(p, self.pos)), char)
            self.advance(len(text))
            self.emit("punct", text, line)

    def quote_mark(self, line: int) -> None:
        """A char literal (`'x'`, `'\\n'`) or a lifetime or label (`'a`, `'r#a`)."""
        if self.peek(1) == "\\" or (self.peek(1) and self.peek(2) == "'"):
            self.quoted("'", line)
            return
        raw = self.src.startswith("r#", self.pos + 1)
        match = IDENT.match(self.src, self.pos + (3 if raw else 1))
        if match is None:
            raise LexError(line, "a ' that starts neither a character nor a lifetime")
        self.advance(match.end() - self.pos)
        self.emit("lifetime", match.group(), line, raw)

    def number(self, line: int) -> None:
        match = re.compile(r"0[xob][0-9a-fA-F_]*\w*|[0-9_]+(\.(?![.\w])|\.[0-9][0-9_]*)?"
                           r"([eE][+-]?[0-9_]+)?\w*").match(self.src, self.pos)
        self.advance(len(match.group()))
        self.emit("literal", "number", line)


def tokenize(source: str) -> list[Token]:
    """The tokens of Rust `source`, without whitespace and comments; LexError if unreadable."""
    return _Lexer(source).run()


def matching_delimiters(tokens: list[Token]) -> dict[int, int]:
    """Index of each bracket → index of its partner (both ways); LexError if unbalanced."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for index, token in enumerate(tokens):
        if token.is_punct(*OPENING):
            stack.append(index)
        elif token.is_punct(*OPENING.values()):
            if not stack or OPENING[tokens[stack[-1]].text] != token.text:
                raise LexError(token.line, f"a {token.text} that closes nothing")
            opening = stack.pop()
            pairs[opening], pairs[index] = index, opening
    if stack:
        raise LexError(tokens[stack[-1]].line, f"a {tokens[stack[-1]].text} that is never closed")
    return pairs
