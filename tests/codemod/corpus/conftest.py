# The corpus is app code the codemod reads, with the apps' own tests inside; the corpus test runs those tests
# on a rewritten copy. The default test run does not collect them here.
collect_ignore_glob = ["*"]
