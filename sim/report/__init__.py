"""The report of a results folder (report.html with its figures) and event-log exports."""

from sim.report.vidigi import export_vidigi
from sim.report.write import write_report

__all__ = ["export_vidigi", "write_report"]
