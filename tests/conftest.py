"""Hypothesis profiles for the whole suite.

The default run (CI, the README's test command) is derandomised: every run tries the same examples, so a
red CI always means a change broke something, never that a new random example turned up an old bug.
Exploration with fresh examples is a separate, explicit run:

    HYPOTHESIS_PROFILE=explore .venv/bin/python -m pytest tests/test_plan_properties.py tests/test_diff.py tests/codemod/test_codemod_properties.py
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
