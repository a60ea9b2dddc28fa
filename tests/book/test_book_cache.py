"""The execution cache notices a change in the package (cvcourse.book_cache).

Unit tests of the hash and of the invalidation, then a test (a few seconds) that builds a
one-page book with Sphinx + myst-nb in cache mode three times and counts how often its notebook
executed: once, not again when nothing changed, once more when only the package's hash changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cvcourse import book_cache
from tests.book.glue import built_glue_is_current

ROOT = Path(__file__).resolve().parents[2]


def write_package(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def test_source_hash_follows_every_source_file(tmp_path: Path) -> None:
    package = write_package(tmp_path / "pkg", {"__init__.py": "", "a.py": "x = 1\n"})
    first = book_cache.source_hash(package)
    assert book_cache.source_hash(package) == first  # deterministic
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "a.cpython.py").write_text("junk")
    assert book_cache.source_hash(package) == first  # bytecode folders do not count
    (package / "a.py").write_text("x = 2\n")
    edited = book_cache.source_hash(package)
    assert edited != first
    write_package(package, {"sub/b.py": ""})
    added = book_cache.source_hash(package)
    assert added != edited
    (package / "sub" / "b.py").rename(package / "sub" / "c.py")
    assert book_cache.source_hash(package) != added  # a rename changes it too


def test_cache_is_emptied_only_when_the_hash_changed(tmp_path: Path) -> None:
    cache, hash_file = tmp_path / ".jupyter_cache", tmp_path / book_cache.HASH_FILE_NAME

    def fill() -> None:
        (cache / "executed").mkdir(parents=True, exist_ok=True)
        (cache / "executed" / "record").write_text("outputs")

    fill()
    assert book_cache.invalidate_if_changed(cache, hash_file, "abc") is True  # no stored hash
    assert not cache.exists()
    fill()
    hash_file.write_text("abc\n")
    assert book_cache.invalidate_if_changed(cache, hash_file, "abc") is False
    assert (cache / "executed" / "record").exists()
    assert book_cache.invalidate_if_changed(cache, hash_file, "def") is True
    assert not cache.exists()


def test_number_tests_ignore_a_build_made_with_another_package(tmp_path: Path) -> None:
    source, built = tmp_path / "chapter.md", tmp_path / "chapter.glue.json"
    hash_file = tmp_path / book_cache.HASH_FILE_NAME
    source.write_text("# chapter")
    built.write_text("{}")  # written after the source: newer
    hash_file.write_text("old\n")
    assert built_glue_is_current(built, source, hash_file, "old")
    assert not built_glue_is_current(built, source, hash_file, "new")
    hash_file.unlink()
    assert not built_glue_is_current(built, source, hash_file, "old")


def test_every_book_build_loads_the_extension() -> None:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert "cvcourse.book_cache" in config["sphinx"]["extra_extensions"]
    assert config["execute"]["execute_notebooks"] == "cache"


PAGE = """---
jupytext: {{text_representation: {{extension: .md, format_name: myst}}}}
kernelspec: {{display_name: Python 3, language: python, name: python3}}
---
# Page

```{{code-cell}} ipython3
with open({counter!r}, "a") as f:
    f.write("x")
```
"""


def test_a_package_change_reexecutes_an_unchanged_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sphinx.application import Sphinx

    source, counter = tmp_path / "src", tmp_path / "executions.txt"
    source.mkdir()
    (source / "index.md").write_text(PAGE.format(counter=str(counter)))
    (source / "conf.py").write_text(
        "extensions = ['myst_nb', 'cvcourse.book_cache']\n"
        "nb_execution_mode = 'cache'\n"
        f"nb_execution_cache_path = {str(tmp_path / 'build' / '.jupyter_cache')!r}\n"
    )

    def build(package_hash: str) -> int:
        monkeypatch.setattr(book_cache, "source_hash", lambda *_: package_hash)
        app = Sphinx(
            str(source), str(source), str(tmp_path / "build" / "html"),
            str(tmp_path / "build" / "doctrees"), "html", status=None, warning=None,
        )  # fmt: skip
        app.build()
        assert app.statuscode == 0
        return len(counter.read_text()) if counter.exists() else 0

    assert build("one") == 1
    assert (tmp_path / "build" / book_cache.HASH_FILE_NAME).read_text().strip() == "one"
    assert build("one") == 1, "nothing changed, yet the notebook executed again"
    assert build("two") == 2, "the package changed, yet the cached outputs were reused"
    assert (tmp_path / "build" / book_cache.HASH_FILE_NAME).read_text().strip() == "two"
