"""`make bench`: the project's benchmarks, outside the `aevp` package (run from backend/ as `python -m bench.train`,
`python -m bench.service`, `python -m bench.maps`, `python -m bench.firstpage`, `python -m bench.load`)."""
