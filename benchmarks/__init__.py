"""ml2core's benchmark harness: ``python -m benchmarks.run`` (see README.md)."""
