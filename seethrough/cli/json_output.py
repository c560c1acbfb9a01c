"""``--json``: a verb's result on stdout, and nothing else there."""
from __future__ import annotations

import json
import sys


def print_json(value) -> None:
    json.dump(value, sys.stdout, indent=2)
    sys.stdout.write("\n")
