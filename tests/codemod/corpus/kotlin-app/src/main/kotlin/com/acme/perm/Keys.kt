package com.acme.perm

enum class RequiredPermission(val key: String) {
    BROWSE("BROWSE_PROJECTS"),
    COMMENT("ADD_COMMENTS"),
}
