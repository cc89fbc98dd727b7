"""Performance benchmark: the engine against idiomatic SimPy on one reference model.

`reference` describes the model (and writes it as a scenario), `idiomatic` is the textbook
SimPy version of it, `runner` times both in fresh processes and checks the engine's bars
(`coopsim bench`; see tests/benchmarks/README.md).
"""
