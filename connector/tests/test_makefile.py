"""The Makefile's bench target: it runs every benchmark script in bench/ and nothing else."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_make_bench_lists_exactly_the_runnable_benchmarks():
    makefile = (ROOT / "Makefile").read_text()
    listed = re.search(r"^BENCHES := (.+)$", makefile, re.MULTILINE).group(1).split()
    runnable = sorted(
        path.stem for path in (ROOT / "bench").glob("*.py") if 'if __name__ == "__main__":' in path.read_text()
    )

    assert sorted(listed) == runnable
