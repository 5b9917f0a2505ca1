"""Benchmarks: modules with a ``main()`` that build data and print figures (``python -m bench``)."""
