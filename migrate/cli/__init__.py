"""The command line: a thin typer app over the library. Only migrate.cli.* imports typer or rich.

The app and its table of commands are in migrate.cli.root (`from migrate.cli import app` reads them there).
This module imports neither typer nor the app, so that `main` can start work that does not need them
first: `migrate codemod` starts ripgrep on the folders it names while typer loads (migrate.cli.prestart).
"""

from __future__ import annotations

import sys
from typing import Any


def main() -> None:
    from migrate.cli.prestart import prestart

    prestart(sys.argv[1:])
    from migrate.cli.root import app

    app()


def __getattr__(name: str) -> Any:
    if name in ("app", "COMMANDS"):
        from migrate.cli import root

        return getattr(root, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
