"""Pictures and pages from results: figures with matplotlib, the self-contained HTML report.

Nothing here computes an explanation; it only draws what it is given.
"""
