"""Keep the book's execution cache honest about the package: a Sphinx extension.

Jupyter Book 1 (myst-nb + jupyter-cache) re-executes a chapter only when the chapter's code cells
change. A chapter's output, and the numbers it glues, also depend on ``cvcourse``: change
``cvcourse/images.py`` and a chapter that calls it would keep its old, cached numbers. This
extension (listed in ``_config.yml`` under ``sphinx.extra_extensions``, so ``make book``,
``make test`` and a plain ``jupyter-book build`` all run it) closes that gap:

- it hashes the package's sources (every ``*.py`` under ``cvcourse/``, path and content);
- at the start of a build, if the hash differs from the one stored beside the cache in
  ``_build/.cvcourse_hash``, it empties the execution cache, so every chapter executes again;
- the hash is also a Sphinx config value that triggers a full re-read, so Sphinx does not keep the
  old pages of chapters whose Markdown did not change;
- after a successful build it stores the new hash. ``tests/book/glue.py`` reads glued values from
  the build only when that stored hash is the current one.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
HASH_FILE_NAME = ".cvcourse_hash"
# The Sphinx extensions themselves: chapters never import them, so they change no chapter's output.
BUILD_ONLY = frozenset({"book_cache.py", "book_html.py"})


def source_hash(package_dir: Path = PACKAGE_DIR) -> str:
    """SHA-256 over the relative path and the bytes of every ``*.py`` file under ``package_dir``.

    The top-level build-only modules (``BUILD_ONLY``, these extensions) are left out.

    Args:
        package_dir (Path): the package folder (default: the ``cvcourse`` being imported).

    Returns:
        str: 64 hex digits; it changes when any source file is added, removed, renamed or edited.
    """
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        relative = path.relative_to(package_dir)
        if "__pycache__" in path.parts or relative.as_posix() in BUILD_ONLY:
            continue
        digest.update(relative.as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def stored_hash(hash_file: Path) -> str | None:
    """The hash stored by the last successful build, or None if there is none."""
    try:
        return hash_file.read_text().strip() or None
    except FileNotFoundError:
        return None


def invalidate_if_changed(cache_dir: Path, hash_file: Path, current: str) -> bool:
    """Empty the execution cache ``cache_dir`` if the package changed since the stored hash.

    A missing hash file counts as a change (a cache of unknown provenance is not trusted).

    Returns:
        bool: True when the cache was emptied.
    """
    if stored_hash(hash_file) == current:
        return False
    if cache_dir.exists():
        shutil.rmtree(cache_dir)
    return True


def _paths(app: Any) -> tuple[Path, Path]:
    """(execution cache folder, hash file) of a Sphinx app: the hash file sits beside the cache."""
    config = getattr(app.env, "mystnb_config", None)
    cache = getattr(config, "execution_cache_path", None) or app.config.nb_execution_cache_path
    cache_dir = Path(cache or Path(app.outdir).parent / ".jupyter_cache")
    if not cache_dir.is_absolute():
        cache_dir = Path(app.srcdir) / cache_dir
    return cache_dir, cache_dir.parent / HASH_FILE_NAME


def _on_config_inited(app: Any, config: Any) -> None:
    config.cvcourse_source_hash = source_hash()


def _on_builder_inited(app: Any) -> None:
    cache_dir, hash_file = _paths(app)
    if invalidate_if_changed(cache_dir, hash_file, app.config.cvcourse_source_hash):
        from sphinx.util import logging

        logging.getLogger(__name__).info(
            "cvcourse changed since the last build: execution cache emptied (%s)", cache_dir
        )


def _on_build_finished(app: Any, exception: BaseException | None) -> None:
    if exception is None:
        _, hash_file = _paths(app)
        hash_file.parent.mkdir(parents=True, exist_ok=True)
        hash_file.write_text(app.config.cvcourse_source_hash + "\n")


def setup(app: Any) -> dict[str, Any]:
    # rebuild="env": a new value makes Sphinx re-read every page, not only the edited ones.
    app.add_config_value("cvcourse_source_hash", "", "env")
    app.connect("config-inited", _on_config_inited)
    # After myst-nb's own builder-inited handler (priority 500) has resolved the cache path.
    app.connect("builder-inited", _on_builder_inited, priority=900)
    app.connect("build-finished", _on_build_finished)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
