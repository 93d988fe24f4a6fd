"""Which language a file is in, from its name."""

from __future__ import annotations

import os

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


def is_minified_name(name: str) -> bool:
    low = name.lower()
    return ".min." in low or low.endswith(("-min.js", ".bundle.js", ".chunk.js"))


def is_forge_manifest(path: str) -> bool:
    return os.path.basename(path) in ("manifest.yml", "manifest.yaml")

