"""Every local file README.md and docs/*.md link to exists, relative to the linking file
(as GitHub resolves it), and the graded interface is a document of the repository."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from conftest import ROOT

LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def local_links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    targets = LINK.findall(text) + HTML.findall(text)
    return [t for t in targets
            if not re.match(r"[a-z][a-z0-9+.-]*:", t, re.IGNORECASE) and not t.startswith("#")]


def missing(path: Path) -> list[str]:
    return [t for t in local_links(path)
            if not (path.parent / unquote(t.split("#")[0])).exists()]


def test_every_linked_local_file_exists():
    broken = {str(p.relative_to(ROOT)): missing(p) for p in documents() if missing(p)}
    assert not broken, broken


def test_the_readme_links_its_screenshots_and_the_curriculum():
    links = local_links(ROOT / "README.md")
    assert any(link.startswith("docs/screenshots/") for link in links)
    assert "docs/curriculum.md" in links


def test_a_broken_link_is_found(tmp_path):
    page = tmp_path / "page.md"
    (tmp_path / "there.png").write_bytes(b"")
    page.write_text("![ok](there.png) ![gone](screenshots/x.png) [web](https://example.org)\n"
                    "```\n[in code](not/checked.md)\n```\n<img src=\"also/gone.png\">\n")
    assert missing(page) == ["screenshots/x.png", "also/gone.png"]
