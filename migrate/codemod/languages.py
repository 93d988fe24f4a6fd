"""Which language a file is in, from its name."""

from __future__ import annotations

import os
import re

# file suffix -> language name (ast-grep's name, or "groovy", which has its own tokenizer)
EXTENSIONS: dict[str, str] = {
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".java": "java",
    ".kt": "kotlin",
    ".kts": "kotlin",
    ".py": "python",
    ".pyi": "python",
    ".groovy": "groovy",
    ".gvy": "groovy",
    ".gy": "groovy",
    ".gsh": "groovy",
    ".gradle": "groovy",
    ".go": "go",
    ".php": "php",
    ".json": "json",
    ".jsonc": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".tf": "hcl",
    ".tfvars": "hcl",
    ".hcl": "hcl",
}
FILENAMES: dict[str, str] = {"Jenkinsfile": "groovy"}
LANGUAGES = frozenset(EXTENSIONS.values())
# Short names accepted where a language is named instead of a path.
ALIASES = {"js": "javascript", "ts": "typescript", "kt": "kotlin", "py": "python", "tf": "hcl", "terraform": "hcl", "yml": "yaml"}

# Generated lockfiles never hold code worth rewriting and can be large.
LOCKFILES = frozenset({"package-lock.json", "npm-shrinkwrap.json", "composer.lock", "yarn.lock", "pnpm-lock.yaml"})


def language_of(path_or_lang: str) -> str | None:
    """The language for a path ('src/app.ts') or a language name ('typescript', 'ts'); None if unsupported."""
    if path_or_lang in LANGUAGES:
        return path_or_lang
    if path_or_lang in ALIASES:
        return ALIASES[path_or_lang]
    name = os.path.basename(path_or_lang)
    if name in FILENAMES:
        return FILENAMES[name]
    _, ext = os.path.splitext(name)
    return EXTENSIONS.get(ext.lower())


def language_of_name(name: str) -> str | None:
    """The language of a file called `name` in some folder: language_of(os.path.join(folder, name)), without
    the path handling (the walk asks for every file). A file named like a language ("python", "go") is not
    a source file: language_of(name) alone would take it for the language's name."""
    lang = FILENAMES.get(name)
    if lang is not None:
        return lang
    i = name.rfind(".")
    # as os.path.splitext: no suffix when only dots come before the last one (".ts", "..json")
    if i <= 0 or (name[0] == "." and not name[:i].strip(".")):
        return None
    return EXTENSIONS.get(name[i:].lower())


_SUFFIXES = tuple(EXTENSIONS)


def with_a_language(names: list[str]) -> list[str]:
    """The names that have a language, in order: [n for n in names if language_of_name(n)], with C-level
    string tests for most names (the walk asks this of every folder). A suffix has no dot of its own, so
    a lowered name ends with one exactly when its last dot starts that suffix; a name of dots and a
    suffix (".ts") has none (os.path.splitext), which the per-name test decides."""
    return [
        n
        for n in names
        if (n.lower().endswith(_SUFFIXES) and (n[0] != "." or language_of_name(n) is not None)) or n in FILENAMES
    ]


def names_with_a_language() -> list[str]:
    """File names that have a language whatever their suffix (Jenkinsfile)."""
    return sorted(FILENAMES)


MINIFIED_SUFFIXES = ("-min.js", ".bundle.js", ".chunk.js")


def is_minified_name(name: str) -> bool:
    low = name.lower()
    return ".min." in low or low.endswith(MINIFIED_SUFFIXES)


def any_minified_name(names: list[str]) -> bool:
    """any(map(is_minified_name, names)), as substring searches over all the names at once."""
    block = "\0".join(names).lower() + "\0"  # (lowering never joins two names: NUL is not a letter)
    return ".min." in block or any(suffix + "\0" in block for suffix in MINIFIED_SUFFIXES)


def is_forge_manifest(path: str) -> bool:
    return os.path.basename(path) in ("manifest.yml", "manifest.yaml")



TEST_PATH_RE = re.compile(
    r"(^|/)(tests?|__tests__|spec|specs)/[^/]*$|(^|/)(test_[^/]*\.py|[^/]*_test\.(py|go)|[^/]*\.(test|spec)\.[cm]?[jt]sx?|"
    r"[^/]*Tests?\.(java|kt|php|groovy)|[^/]*Spec\.(groovy|kt))$"
)
TEST_CONTENT_RE = re.compile(
    r"^\s*(?:def test_\w+|async def test_\w+|(?:describe|it|test)\s*\(|@Test\b|func Test\w+\s*\(|class \w+ extends (?:\w+\\)*TestCase\b|"
    r"class \w+\s*(?:\(|:)\s*(?:unittest\.)?TestCase\b)",
    re.M,
)


def is_test_file(path: str, src: str) -> bool:
    """A test file by its path (tests/, *_test.go, *.spec.ts, FooTest.java...) or content (test functions)."""
    return bool(TEST_PATH_RE.search(path.replace(os.sep, "/")) or TEST_CONTENT_RE.search(src))
