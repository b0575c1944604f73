"""The design record in docs/ is what the code cites: every `DESIGN §N` and `behavior.md §N.M`
in the code names a heading of docs/design.md / docs/behavior.md, and every source tag the code
uses ([SDK-ST], [INFERRED], ...) is in the legend of docs/behavior.md §0.
"""
from __future__ import annotations

import io
import json
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
CODE_DIRS = ("fakepai", "contract_tests", "tools", "schemas", "tests", "benchmarks")
SECTION = "\u00a7"                       # the section sign, spelled out so this file cites nothing

NUMBER = r"(\d+(?:\.\d+)*)"
# `DESIGN §3`, `behavior.md §4.2, §4.6`, `behavior §5.1`, `behavior.md §3/§8`: a document, then one
# or more section numbers.
CITATION = re.compile(rf"\b(DESIGN|behavior(?:\.md)?)\s*{SECTION}\s*{NUMBER}"
                      rf"((?:\s*(?:,|/|\+|and)\s*{SECTION}\s*\d+(?:\.\d+)*)*)")
MORE = re.compile(rf"{SECTION}\s*{NUMBER}")
# Sections of documents outside the repository: an issue's, or an aiops skill note's at a commit.
EXTERNAL = re.compile(rf"\b(?:issue\s+#?\d+|SKILL\s+[0-9a-f]{{7}})\s*{SECTION}\s*\d+(?:\.\d+)*")
ANY = re.compile(rf"{SECTION}\s*\d")

TAG_GROUP = re.compile(r"\[([A-Z][A-Z0-9-]*[A-Z0-9])((?:[\s;:,/][^\[\]\n]*)?)\]")
TAG = re.compile(r"^\s*([A-Z][A-Z0-9-]*[A-Z0-9])(?![A-Za-z0-9_.])")


def _code_files() -> list[Path]:
    files = []
    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".py", ".json", ".md") and path.is_file() and "data" not in path.parts:
                files.append(path)
    return files


def _prose(path: Path) -> list[tuple[int, str]]:
    """(line, text) of what a person wrote in a file: Python comments and string literals (not
    raw strings, which hold regular expressions), JSON descriptions, Markdown as it is."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        return [(1, text)]
    if path.suffix == ".json":
        found = []

        def walk(node):
            if isinstance(node, dict):
                for key, value in node.items():
                    if key in ("description", "title", "$comment") and isinstance(value, str):
                        at = text.find(json.dumps(value, ensure_ascii=False)[:60])
                        found.append((text.count("\n", 0, max(at, 0)) + 1, value))
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(json.loads(text))
        return found
    found = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            found.append((token.start[0], token.string))
        elif token.type == tokenize.STRING:
            prefix = token.string[:token.string.index(token.string.lstrip("rRbBuUfF")[0])]
            if "r" not in prefix.lower():
                found.append((token.start[0], token.string))
    return found


def _headings(doc: Path) -> set[str]:
    numbers = set()
    for line in doc.read_text(encoding="utf-8").splitlines():
        m = re.match(r"#{1,6}\s+(\d+(?:\.\d+)*)[.\s]", line)
        if m:
            numbers.add(m.group(1))
    return numbers


def _citations():
    """(where, document, section) for every section citation in the code, and the places where a
    section sign follows no document."""
    cited, stray = [], []
    for path in _code_files():
        if path == Path(__file__).resolve():
            continue
        for line, text in _prose(path):
            where = f"{path.relative_to(ROOT)}:{line}"
            rest = text
            for m in CITATION.finditer(text):
                doc = "design.md" if m.group(1) == "DESIGN" else "behavior.md"
                cited.append((where, doc, m.group(2)))
                cited += [(where, doc, n) for n in MORE.findall(m.group(3) or "")]
            rest = EXTERNAL.sub("", CITATION.sub("", rest))
            stray += [f"{where}: ...{rest[max(0, m.start() - 40):m.end() + 5]}..." for m in ANY.finditer(rest)]
    return cited, stray


def test_code_cites_sections():
    cited, _ = _citations()
    assert {doc for _, doc, _ in cited} == {"design.md", "behavior.md"}
    assert len(cited) > 100          # the parser finds the citations (the code has some 200)


@pytest.mark.parametrize("doc", ["design.md", "behavior.md"])
def test_every_citation_names_a_heading(doc):
    headings = _headings(DOCS / doc)
    cited, _ = _citations()
    missing = sorted({f"{where}: {doc} {SECTION}{section}" for where, d, section in cited
                      if d == doc and section not in headings})
    assert missing == []


def test_no_section_sign_without_its_document():
    """`[INFERRED §6.3]` would leave a reader guessing which document is meant."""
    _, stray = _citations()
    assert stray == []


def _legend() -> set[str]:
    text = (DOCS / "behavior.md").read_text(encoding="utf-8")
    start = text.index("\n## 0.")
    end = text.index("\n## 1.", start)
    return set(re.findall(r"\[([A-Z][A-Z0-9-]*[A-Z0-9])\]", text[start:end]))


def _tags() -> dict[str, str]:
    """tag -> one place it is used."""
    tags = {}
    for path in _code_files():
        if path == Path(__file__).resolve():
            continue
        for line, text in _prose(path):
            for m in TAG_GROUP.finditer(text):
                parts = re.split(r"[;,/]", m.group(1) + m.group(2))
                for part in parts:
                    t = TAG.match(part)
                    if t:
                        tags.setdefault(t.group(1), f"{path.relative_to(ROOT)}:{line}")
    return tags


def test_every_source_tag_is_in_the_legend():
    tags = _tags()
    assert {"INFERRED", "SDK-ST", "META"} <= set(tags)     # the scan finds the tags
    legend = _legend()
    assert sorted(f"[{tag}] at {where}" for tag, where in tags.items() if tag not in legend) == []
