"""Background work that owns its transactions.

A job claims work in one short transaction, calls the outside world (the LRS, the LMS)
outside any transaction, and settles the outcome in another. Jobs call operations; views,
commands and workers call jobs; operations never import a job.
"""
