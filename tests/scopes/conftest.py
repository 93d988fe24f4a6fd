# The corpus apps carry their own test files (the audit must skip them); they are data, not tests to run.
collect_ignore_glob = ["corpus/*"]
