"""Import an existing documentation tree (GitBook, MkDocs, a plain repo of Markdown) as recipes.

What users see is cleaned: template tags (``{% hint %}``, ``{% content-ref %}``, ``{% embed %}``), HTML anchors
and other tags, and HTML entities are removed or turned into plain Markdown; relative links point at the published
site (``base_url``); long pages are split into sections by heading, each linking to its anchor.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import replace
from urllib.parse import quote

from knowledge.loader import Recipe

__all__ = ["clean_markdown", "page_url", "resolve_links", "slugify", "split_sections"]

_EMBED = re.compile(r"\{%\s*embed\s+url=\"([^\"]+)\"\s*%\}")
_TAG = re.compile(r"\{%-?\s*[^%]*?-?%\}")
_ANCHOR = re.compile(r"<a\s+href=\"#[^\"]*\"\s+id=\"[^\"]*\"\s*>\s*</a>", re.IGNORECASE)
_HTML = re.compile(r"</?[a-zA-Z][^>]*>")
_LINK = re.compile(r"(!?)\[([^\]]*)\]\((<[^>]+>|[^)\s]+)(\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^(#{2,3})\s+(.+?)\s*$", re.MULTILINE)
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def clean_markdown(text: str) -> str:
    """Remove template tags, HTML anchors and tags, and entities; keep the readable text and links."""
    fences: list[str] = []

    def keep(match: re.Match[str]) -> str:
        fences.append(match.group(0))
        return f"\x00{len(fences) - 1}\x00"

    text = _FENCE.sub(keep, text)  # code blocks are shown as written
    text = _EMBED.sub(lambda m: f"[{m.group(1)}]({m.group(1)})", text)
    text = _TAG.sub("", text)
    text = _ANCHOR.sub("", text)
    text = _HTML.sub("", text)
    text = html.unescape(text).replace("\u200b", "").replace("\xa0", " ")
    text = re.sub(r"^(#{1,6})\s+\*\*(.+?)\*\*\s*$", r"\1 \2", text, flags=re.MULTILINE)
    text = re.sub(r"[ \t]+$", "", text, flags=re.MULTILINE)
    text = re.sub(r"\n{3,}", "\n\n", text)
    text = re.sub(r"\x00(\d+)\x00", lambda m: fences[int(m.group(1))], text)
    return text.strip()


def page_url(rel_path: str, base_url: str) -> str:
    """The published address of a page: ``a/b.md`` -> ``BASE/a/b``; a ``README.md`` is its folder's page."""
    path = rel_path[:-3] if rel_path.lower().endswith(".md") else rel_path
    if posixpath.basename(path).lower() in {"readme", "index"}:
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


def split_sections(recipe: Recipe, max_chars: int = 1500) -> list[Recipe]:
    """Split a long page into one recipe per ``##`` (or ``###``) section; a short page stays whole."""
    if len(recipe.body) <= max_chars:
        return [recipe]
    level = "##" if re.search(r"^##\s", recipe.body, re.MULTILINE) else "###"
    heads = [m for m in _HEADING.finditer(recipe.body) if m.group(1) == level]
    if not heads:
        return [recipe]
    out = []
    intro = recipe.body[: heads[0].start()].strip()
    intro_text = re.sub(r"^#\s.*$", "", intro, flags=re.MULTILINE).strip()
    if intro_text:
        out.append(replace(recipe, body=intro))
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(recipe.body)
        heading = head.group(2).strip().strip("*").strip()
        slug = slugify(heading)
        body = recipe.body[head.start() : end].strip()
        if not slug or len(body) <= len(head.group(0)) + 1:
            continue
        link = f"{recipe.links[0]}#{slug}" if recipe.links else None
        out.append(
            replace(
                recipe,
                id=f"{recipe.id}#{slug}",
                title=f"{recipe.title}: {heading}",
                body=body,
                links=(link, *recipe.links[1:]) if link else recipe.links,
                questions=(),
            )
        )
    return out or [recipe]
