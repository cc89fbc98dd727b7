"""The tests of coopsim: one folder per stage of the package, each test module in one tier."""
