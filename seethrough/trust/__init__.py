"""Can an explanation be trusted? Sanity checks (model and data randomization), similarity of
maps, faithfulness (deletion / insertion), and the verdict attached to an explanation. See
:mod:`seethrough.trust.sanity`, :mod:`seethrough.trust.faithfulness` and :mod:`seethrough.trust.verdict`."""
