"""The report of a results folder (report.html with its figures) and event-log exports.

Import its modules where they are used (`sim.report.terminal` for tables in a terminal,
`sim.report.write` for the report): this package imports none of them, so that importing it
loads neither matplotlib nor pandas.
"""
