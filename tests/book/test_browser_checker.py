"""A test of the page test: the browser client reports what it must, on tiny generated pages.

No book build is needed: each page is written to a temporary folder and opened as a file:// URL,
as the built book's pages are. If the client stopped listening to an event, the page test in
``test_book.py`` would pass on a broken page; these tests fail instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.book.browser import Page

pytestmark = pytest.mark.browser


def problems_of(tmp_path: Path, body: str, name: str = "page.html") -> list[str]:
    page = tmp_path / name
    page.write_text(f"<!doctype html><html><head><title>t</title></head><body>{body}</body></html>")
    with Page(page.as_uri()) as browser:
        assert browser.wait_for("document.readyState === 'complete'")
        return browser.problems()


def test_a_clean_page_has_no_problems(tmp_path: Path) -> None:
    (tmp_path / "local.js").write_text("document.title = 'loaded';")
    assert problems_of(tmp_path, "<p>fine</p><script src='local.js'></script>") == []


def test_console_error_is_reported(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, "<script>console.error('deliberate console error')</script>")
    assert any("console.error" in p and "deliberate console error" in p for p in problems), problems


def test_uncaught_exception_is_reported(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, "<script>throw new TypeError('deliberate throw')</script>")
    assert any("uncaught exception" in p and "deliberate throw" in p for p in problems), problems


def test_missing_local_file_is_a_failed_request(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, "<script src='missing.js'></script>")
    assert any("failed request" in p and "missing.js" in p for p in problems), problems


def test_external_request_is_reported(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, "<img src='https://cdn.example.org/logo.png'>")
    assert any("external request: https://cdn.example.org/logo.png" in p for p in problems), (
        problems
    )


def test_identical_inline_scripts_are_kept_once() -> None:
    # sphinx-thebe's `const THEBE_JS_URL` twice on a page is a SyntaxError (cvcourse.book_html).
    from sphinx.builders.html._assets import _JavaScript

    from cvcourse.book_html import unique_scripts

    thebe = "const THEBE_JS_URL = 'x'"
    scripts = [_JavaScript(None, body=thebe), _JavaScript("a.js"), _JavaScript("", body=thebe)]
    assert [str(s.filename) for s in unique_scripts(scripts)] == ["None", "a.js"]
