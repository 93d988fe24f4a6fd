"""migrate: a migration assistant for Jira permission schemes.

The library never imports typer or rich; `migrate.cli` is the only front end that does.
"""

__version__ = "0.1.0"
