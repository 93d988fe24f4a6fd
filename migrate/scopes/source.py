"""The one door from `migrate scopes` into the codemod: its file walker, language table, syntax trees and
Groovy tokenizer. Everything the scope audit takes from `migrate.codemod` is imported here and nowhere
else, so a move inside the codemod means a change to this file only.
"""

from __future__ import annotations

from migrate.codemod.engine import LineIndex
from migrate.codemod.groovy import Tok, tokenize
from migrate.codemod.languages import is_forge_manifest, language_of
from migrate.codemod.output import display_path
from migrate.codemod.rules.common import concat_root
from migrate.codemod.scanner import MAX_BYTES, Candidate, iter_candidates
from migrate.codemod.syntax import CALL_KINDS, INTERP_KINDS, STRING_KINDS, Syntax, span, valid_kind

__all__ = [
    "CALL_KINDS",
    "INTERP_KINDS",
    "MAX_BYTES",
    "STRING_KINDS",
    "Candidate",
    "LineIndex",
    "Syntax",
    "Tok",
    "concat_root",
    "display_path",
    "is_forge_manifest",
    "iter_candidates",
    "language_of",
    "span",
    "tokenize",
    "valid_kind",
]
