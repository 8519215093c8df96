"""The benchmarks' smoke tests import the scripts as the scripts import each other (bench/ on the path)."""

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1]
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))
