"""Import an existing documentation tree (GitBook, MkDocs, a plain repo of Markdown) as recipes.

What users see is cleaned: template tags (``{% hint %}``, ``{% content-ref %}``, ``{% embed %}``, Jekyll's
``{{ site.baseurl }}``), HTML anchors and other tags, and HTML entities are removed or turned into plain Markdown;
relative links point at the published site (``base_url``); long pages are split into sections by heading, each
linking to its anchor. When a text is shown (:func:`readable`), GitBook's backslash escapes are undone, and empty bold,
empty headings and a first heading that repeats the title go.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from urllib.parse import quote

from knowledge.loader import DOCS_SUFFIXES, Recipe

__all__ = ["clean_markdown", "page_url", "readable", "resolve_links", "slugify", "split_sections"]

_EMBED = re.compile(r"\{%\s*embed\s+url=\"([^\"]+)\"\s*%\}")
_TAG = re.compile(r"\{%-?\s*[^%]*?-?%\}")
_LIQUID = re.compile(r"\{\{-?[^{}]*?-?\}\}")  # Jekyll/Liquid variables: their values are not in the tree
_ANCHOR = re.compile(r"<a\s+href=\"#[^\"]*\"\s+id=\"[^\"]*\"\s*>\s*</a>", re.IGNORECASE)
_HTML = re.compile(r"</?[a-zA-Z][^>]*>")
_LINK = re.compile(r"(!?)\[([^\]]*)\]\((<[^>]+>|[^)\s]+)(\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^(#{2,3})\s+(.+?)\s*$", re.MULTILINE)
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_MDX_MODULE = re.compile(r"^(?:import\s.+?\sfrom\s+['\"].+|import\s+['\"].+|export\s+(?:const|default|function)\b.*)$")
# MkDocs admonitions and content tabs: `!!! note "Title"`, `??? tip`, `=== "Tab"`; their text is indented below.
_MKDOCS_BLOCK = re.compile(r"^(?:(?:!!!|\?\?\?\+?)\s*([\w-]+)|===)(?:\s+\"([^\"]*)\")?\s*$")
# Docusaurus and MyST admonitions: `:::tip[Title]`, `:::note Title`, `:::{warning}`, and the closing `:::`.
_COLON_BLOCK = re.compile(r"^:::+\s*(?:\{([\w-]+)\}|([\w-]+))?\s*(?:\[([^\]]*)\]|(.*?))\s*$")
# A backslash escape of ASCII punctuation (CommonMark), but for '*' and '`': unescaped, those would turn into bold or
# code in chat. Code spans are left as written.
_ESCAPED = re.compile(r"\\([!-)+-/:-@\[-_{-~])")
_CODE_SPAN = re.compile(r"(`+).*?\1")
_EMPTY_BOLD = re.compile(r"[ \t]?(?<!\*)\*{4}(?!\*)")


def clean_markdown(text: str) -> str:
    """Remove template tags, HTML anchors and tags, and entities; keep the readable text and links."""
    fences: list[str] = []

    def keep(match: re.Match[str]) -> str:
        fences.append(match.group(0))
        return f"\x00{len(fences) - 1}\x00"

    text = _FENCE.sub(keep, text)  # code blocks are shown as written
    text = _COMMENT.sub("", text)
    text = _blocks(text)
    text = _EMBED.sub(lambda m: f"[{m.group(1)}]({m.group(1)})", text)
    text = _TAG.sub("", text)
    text = _LIQUID.sub("", text)
    text = _ANCHOR.sub("", text)
    text = _HTML.sub("", text)
    text = html.unescape(text).replace("\u200b", "").replace("\xa0", " ")
    text = re.sub(r"^(#{1,6})\s+\*\*(.+?)\*\*\s*$", r"\1 \2", text, flags=re.MULTILINE)
    text = re.sub(r"[ \t]+$", "", text, flags=re.MULTILINE)
    text = re.sub(r"\n{3,}", "\n\n", text)
    text = re.sub(r"\x00(\d+)\x00", lambda m: fences[int(m.group(1))], text)
    return text.strip()


def _outside_code(text: str, change: Callable[[str], str]) -> str:
    """``text`` with ``change`` applied to what is not inside a code span."""
    out, at = [], 0
    for span in _CODE_SPAN.finditer(text):
        out += [change(text[at : span.start()]), span.group(0)]
        at = span.end()
    return "".join([*out, change(text[at:])])


def readable(text: str, title: str = "") -> str:
    """``text`` (a recipe's body or passage) as chat shows it: backslash escapes GitBook writes (``\\[topic]``,
    ``\\_`` in links) undone outside code, as chat platforms show them as typed; no empty bold (``****``), no
    empty headings (an image dropped from one), no first heading that only repeats ``title``, no line blank but for
    spaces.

    Only for showing: the index reads the text as imported (the docs self-check's reference was measured on it).
    """
    text = _EMPTY_BOLD.sub("", _outside_code(text, lambda part: _ESCAPED.sub(r"\1", part)))
    lines = text.split("\n")
    first = next((k for k, line in enumerate(lines) if line.strip()), None)
    heading = re.fullmatch(r"#\s+(.+?)\s*#*\s*", lines[first]) if first is not None else None
    if heading and " ".join(heading.group(1).split()).casefold() == " ".join(title.split()).casefold():
        lines = lines[(first or 0) + 1 :]
    text = re.sub(r"^(?:#{1,6}[ \t]*|[ \t]+)$", "", "\n".join(lines), flags=re.MULTILINE)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _blocks(text: str) -> str:
    """Other tools' block syntax as plain Markdown: an admonition or tab becomes its title in bold, its indented
    text is dedented, closing ``:::`` lines and MDX ``import``/``export`` lines go."""
    out: list[str] = []
    indented = False  # inside an MkDocs block, whose text is indented by four spaces
    for line in text.splitlines():
        if indented and (line.startswith(("    ", "\t")) or not line.strip()):
            out.append(line[4:] if line.startswith("    ") else line.lstrip("\t"))
            continue
        indented = False
        if _MDX_MODULE.match(line):
            continue
        mkdocs = _MKDOCS_BLOCK.match(line)
        colon = None if mkdocs else _COLON_BLOCK.match(line)
        if mkdocs:
            title = mkdocs.group(2) if mkdocs.group(2) is not None else (mkdocs.group(1) or "").capitalize()
            out.append(f"**{title}**" if title else "")
            indented = True
        elif colon:
            title = colon.group(3) or colon.group(4) or (colon.group(1) or colon.group(2) or "").capitalize()
            out.append(f"**{title}**" if title else "")
        else:
            out.append(line)
    return "\n".join(out)


def page_url(rel_path: str, base_url: str) -> str:
    """The published address of a page: ``a/b.md`` -> ``BASE/a/b``; a ``README.md`` is its folder's page."""
    stem, suffix = posixpath.splitext(rel_path)
    path = stem if suffix.lower() in DOCS_SUFFIXES else rel_path
    if posixpath.basename(path).lower() in {"readme", "index", "_index"}:
        path = posixpath.dirname(path)
    return base_url.rstrip("/") + "/" + path if path else base_url.rstrip("/") + "/"


def resolve_links(text: str, rel_path: str, base_url: str) -> str:
    """Point relative links (``../x.md#part``) at the published site; images that are relative are dropped."""

    def fix(match: re.Match[str]) -> str:
        bang, label, target = match.group(1), match.group(2), match.group(3).strip("<>")
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            return match.group(0) if not bang else ""
        if target.startswith("#") and not bang:
            return f"[{label}]({page_url(rel_path, base_url)}{target})"  # an in-page anchor, made absolute
        if bang:
            return ""  # relative images do not travel into chat
        path, _, anchor = target.partition("#")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(rel_path), path)) if path else rel_path
        url = quote(page_url(resolved.lstrip("./"), base_url), safe=":/#") + (f"#{anchor}" if anchor else "")
        return f"[{label}]({url})"

    return _LINK.sub(fix, text)


def slugify(heading: str) -> str:
    """The anchor GitBook and MkDocs give a heading: lower case, words joined by hyphens."""
    words = re.sub(r"[^\w\s-]", "", heading.lower()).split()
    return "-".join(words)


_SECTION_HEADING = re.compile(r"^(#{2,4})\s+(.+?)\s*#*\s*$")
_MIN_WORDS = 12  # a section with fewer words of its own is merged into its parent


@dataclass
class _Section:
    level: int
    path: tuple[str, ...]
    slug: str
    lines: list[str] = field(default_factory=list)

    def own_words(self) -> int:
        return len(re.findall(r"\w+", "\n".join(self.lines[1:])))


def _sections(recipe: Recipe) -> list[_Section]:
    """The page cut at ``##``-``####`` headings (not inside code blocks), each with its heading path."""
    root = _Section(1, (recipe.title,), "")
    out = [root]
    stack = [root]
    fenced = False
    for line in recipe.body.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        match = None if fenced else _SECTION_HEADING.match(line)
        if match is None:
            out[-1].lines.append(line)
            continue
        heading = re.sub(r"\\(.)", r"\1", _LINK.sub(r"\2", match.group(2))).replace("**", "")
        level, heading = len(match.group(1)), heading.strip()
        while stack[-1].level >= level:
            stack.pop()
        section = _Section(level, (*stack[-1].path, heading), slugify(heading), [line])
        stack.append(section)
        out.append(section)
    return out


def split_sections(recipe: Recipe) -> list[Recipe]:
    """The page as a whole, plus one unit per section with its heading path as title and its anchor as link.

    A tiny or heading-only section is merged into the section before it, so every unit has something to say.
    """
    sections = _sections(recipe)
    kept: list[_Section] = [sections[0]]
    for section in sections[1:]:
        if section.own_words() < _MIN_WORDS or not section.slug:
            kept[-1].lines += section.lines
        else:
            kept.append(section)
    if len(kept) == 1:
        return [recipe]
    out = [recipe]
    used: dict[str, int] = {}
    for section in kept[1:]:
        if section.slug in used:  # a repeated heading gets -1, -2... as the published anchors do
            used[section.slug] += 1
            section.slug = f"{section.slug}-{used[section.slug]}"
        else:
            used[section.slug] = 0
        link = f"{recipe.links[0]}#{section.slug}" if recipe.links else None
        out.append(
            replace(
                recipe,
                id=f"{recipe.id}#{section.slug}",
                title=" › ".join(section.path),
                body="\n".join(section.lines).strip(),
                summary="",
                links=(link, *recipe.links[1:]) if link else recipe.links,
                questions=(),
            )
        )
    return out
