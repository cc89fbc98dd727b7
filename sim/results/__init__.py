"""The results folder: written atomically, read only once checked against its manifest."""

from sim.results.folder import BadOutput, NotAResultsFolder, ResultsExist, read_manifest, read_rows, write_folder

__all__ = ["BadOutput", "NotAResultsFolder", "ResultsExist", "read_manifest", "read_rows", "write_folder"]
