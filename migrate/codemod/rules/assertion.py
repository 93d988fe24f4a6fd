"""Test assertions that name BROWSE_PROJECTS: never rewritten, always reported.

    assert parse(x) == "BROWSE_PROJECTS"             expect(keys).toContain("BROWSE_PROJECTS")
    self.assertEqual(k, "BROWSE_PROJECTS")          assertEquals("BROWSE_PROJECTS", key)   assertThat(k).isEqualTo(...)
    k shouldBe "BROWSE_PROJECTS"                     assert.Equal(t, "BROWSE_PROJECTS", k)  $this->assertSame(...)

An assertion states what the code under test does; turning `==` into a membership test, or a key into the
new ones, weakens or breaks the test. It stays as written and joins the change unit of the code beside it,
so the code it checks is not rewritten either.
"""

from __future__ import annotations

from migrate.codemod.model import OLD_KEY
from migrate.codemod.occurrence import FileCtx, Occ, Outcome
from migrate.codemod.rules.common import review
from migrate.codemod.syntax import span

RULE = "assertion"


def match(occ: Occ, fx: FileCtx) -> Outcome | None:
    if occ.key != OLD_KEY and not occ.variant:
        return None
    if not fx.may_assert:
        return None
    node = occ.lit if occ.lit is not None else occ.leaf
    found = fx.syn.assertion_of(node)
    if found is None:
        return None
    return review(
        RULE,
        f"a test assertion names {occ.key}: assertions are never rewritten. Update it by hand to what the code "
        "under test does after the split",
        span(found),
    )
