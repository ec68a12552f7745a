"""The benchmarks print figures on a shared machine: they are never collected as tests."""

collect_ignore_glob = ["*.py"]
