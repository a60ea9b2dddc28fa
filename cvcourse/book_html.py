"""Make the book's pages load without a console error: a Sphinx extension.

The browser test (tests/book/test_book.py) fails on any console error, uncaught exception or failed
request. Three came from the toolchain, not from the chapters; this extension (listed in
``_config.yml`` under ``sphinx.extra_extensions``) removes them:

- sphinx-thebe adds its inline configuration script once per environment read, so a page could
  declare ``const THEBE_JS_URL`` twice (a SyntaxError): identical scripts are kept once;
- the theme's colour mode defaulted to "" (``console.error("Got invalid theme mode")``): the
  default mode (``html_context['default_mode']``) is set to ``light`` unless
  ``_config.yml`` chooses one;
- the ipywidgets manager requested its fonts beside the page and typeset widget labels with
  MathJax 2's ``MathJax.Hub``: ``book_static/cvcourse-widgets.js`` points it at ``_static`` and
  forwards ``MathJax.Hub.Queue`` to MathJax 3.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

STATIC = Path(__file__).resolve().parent / "book_static"


def unique_scripts(scripts: list[Any]) -> list[Any]:
    """The scripts in order, each (file name and attributes, body included) only once."""
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for script in scripts:
        key = (
            # An inline script may come with filename None or "": both mean "no file".
            str(getattr(script, "filename", script) or ""),
            tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items())),
        )
        if key not in seen:
            seen.add(key)
            kept.append(script)
    return kept


def _on_config_inited(app: Any, config: Any) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC)]
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "light")  # the pydata theme reads it from the context
    config.html_context = context


def _on_page_context(app: Any, pagename: str, template: str, context: dict, doctree: Any) -> None:
    if "script_files" in context:
        context["script_files"][:] = unique_scripts(context["script_files"])


def setup(app: Any) -> dict[str, Any]:
    app.connect("config-inited", _on_config_inited)
    # Before require.js and embed-amd.js, which myst-nb adds per page at the default priority.
    app.add_js_file("cvcourse-widgets.js", priority=200)
    # Early: Sphinx stops calling html-page-context handlers once one returns a template name.
    app.connect("html-page-context", _on_page_context, priority=100)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
