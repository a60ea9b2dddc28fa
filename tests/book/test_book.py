"""The book builds with every cell executed and no warning; its pages render offline in a browser.

The build is the one CI relies on: ``jupyter-book build --all -W -n --keep-going .``, so a failing
cell, a broken reference or a missing figure fails here. Then each page of the table of contents is
opened in headless Chromium with networking off and asked what a reader sees.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.book.browser import Page, find_chromium

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"

pytestmark = pytest.mark.slow


def toc_pages() -> list[str]:
    """Every page in _toc.yml, as paths like ``book/convolutions`` (without suffix)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [chapter["file"] for chapter in part["chapters"]]
    return pages


def chapters() -> set[str]:
    """The pages of the toc's "Chapters" part: lectures, each expected to show figures."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    part = next(p for p in toc.get("parts", []) if p.get("caption") == "Chapters")
    return {chapter["file"] for chapter in part["chapters"]}


@pytest.fixture(scope="session")
def built_book() -> Path:
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    env = {**os.environ, "PATH": f"{jupyter_book.parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        [str(jupyter_book), "build", "--all", "-W", "-n", "--keep-going", "."],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, "book build failed:\n" + (result.stdout + result.stderr)[-6000:]
    return HTML


def test_every_page_of_the_toc_is_built(built_book: Path) -> None:
    missing = [p for p in toc_pages() if not (built_book / f"{p}.html").exists()]
    assert not missing, f"pages in _toc.yml without HTML: {missing}"


def test_pages_reference_nothing_online(built_book: Path) -> None:
    """Scripts, styles and fonts are served by the book itself: no CDN, so it works offline."""
    online = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)=["']https?://""", re.I)
    offenders = {
        str(page.relative_to(built_book)): online.findall(page.read_text(errors="replace"))
        for page in built_book.rglob("*.html")
    }
    offenders = {page: tags for page, tags in offenders.items() if tags}
    assert not offenders, f"pages load resources from the network: {offenders}"


def test_chromium_is_installed() -> None:
    # The browser tests below must fail, not skip, on a machine without Chromium.
    assert find_chromium()


@pytest.mark.browser
@pytest.mark.parametrize("page", toc_pages())
def test_page_renders_offline(built_book: Path, page: str, tmp_path: Path) -> None:
    html = built_book / f"{page}.html"
    source = html.read_text()
    widget_views = source.count('type="application/vnd.jupyter.widget-view+json"')
    with Page(html.as_uri()) as browser:
        assert browser.wait_for("document.readyState === 'complete'")
        title = browser.evaluate("document.querySelector('main h1')?.innerText || ''")
        assert title.strip(), f"{page}: no title"

        # Every image has been fetched and decoded (a missing figure has naturalWidth 0).
        all_images = "Array.from(document.querySelectorAll('main img'))"
        # As JSON text: a page without images gives "[]", which is truthy (a bare [] is not, and
        # wait_for would poll it for its whole timeout).
        images = browser.wait_for(
            f"{all_images}.every(i => i.complete) && "
            f"JSON.stringify({all_images}.map(i => [i.src, i.naturalWidth]))"
        )
        broken = [src for src, width in json.loads(images or "[]") if width == 0]
        assert not broken, f"{page}: images that did not load: {broken}"
        if page in chapters():
            figures = browser.evaluate("document.querySelectorAll('.cell_output img').length")
            assert figures > 0, f"{page}: a chapter that shows no figure"

        # The widget manager (served locally) replaced each saved view by a live widget.
        if widget_views:
            # html-manager puts each rendered view in a .widget-subarea beside its saved view.
            rendered = browser.wait_for(
                "document.querySelectorAll('.widget-subarea > .jupyter-widgets').length",
                timeout=60,
            )
            assert rendered and rendered >= widget_views, (
                f"{page}: {widget_views} saved widget views but {rendered} rendered widgets"
            )

        # A table a cell displayed as Markdown must arrive as a table, not as lines of pipes.
        raw_tables = browser.evaluate(
            "Array.from(document.querySelectorAll('.cell_output p'))"
            ".filter(e => e.innerText.trim().startsWith('|')).length"
        )
        assert raw_tables == 0, f"{page}: {raw_tables} Markdown tables rendered as plain text"

        errors = browser.evaluate(
            "Array.from(document.querySelectorAll('.cell_output .traceback, .cell_output .stderr,"
            " .cell_output .output.error')).map(e => e.innerText.slice(0, 300))"
        )
        assert not errors, f"{page}: cell error output on the page: {errors}"
        browser.screenshot(tmp_path / f"{page.replace('/', '_')}.png")

        # What the browser's console would show: errors, uncaught exceptions, failed requests
        # and any request that leaves the book (tests/book/test_browser_checker.py tests this).
        problems = browser.problems()
        assert not problems, f"{page}: the browser reported problems:\n" + "\n".join(problems)


def test_a_built_book_reexecutes_nothing_unchanged(built_book: Path) -> None:
    """Every chapter matches a record of the execution cache, so a rebuild executes nothing."""
    import jupytext
    from jupyter_cache import get_cache

    cache = get_cache(ROOT / "_build" / ".jupyter_cache")
    for page in chapters():
        notebook = jupytext.read(ROOT / f"{page}.md")
        try:
            cache.match_cache_notebook(notebook)
        except KeyError:
            pytest.fail(f"{page} has no up-to-date execution record: a rebuild would execute it")


def test_bootstrap_reinstalls_nothing_unless_requirements_change() -> None:
    """`make` sees the venv as up to date, and out of date once requirements.txt changes."""
    stamp = ".venv/.installed"
    up_to_date = subprocess.run(["make", "-q", stamp], cwd=ROOT, capture_output=True)
    assert up_to_date.returncode == 0, "a second `make test` would reinstall the venv"
    changed = subprocess.run(
        ["make", "-q", "-W", "requirements.txt", stamp], cwd=ROOT, capture_output=True
    )
    assert changed.returncode == 1, "a change of requirements.txt would not reinstall"
