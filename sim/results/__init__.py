"""The results folder: written atomically, read only once checked against its manifest."""

from sim.results.reader import NotAResultsFolder, read_manifest, read_rows
from sim.results.writer import BadOutput, ResultsExist, write_folder

__all__ = ["BadOutput", "NotAResultsFolder", "ResultsExist", "read_manifest", "read_rows", "write_folder"]
