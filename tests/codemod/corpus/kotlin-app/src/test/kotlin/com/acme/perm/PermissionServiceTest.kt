package com.acme.perm

import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe

class PermissionServiceTest : StringSpec({
    "the required key is the browse permission" {
        RequiredPermission.BROWSE.key shouldBe "BROWSE_PROJECTS"
    }
})
