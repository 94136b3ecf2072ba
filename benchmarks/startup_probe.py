"""Fresh-process probe: construct an ``Ml2Plugin`` with given ranges and time it.

``python -m benchmarks.startup_probe --url URL [--vni R] [--gre R] [--vlan R]``
prints ``RESULT {"construct_s", "conf_s", "import_s", "peak_rss_mib"}``.
Construction is everything a controller does at start: engine, expand
migrations (a no-op on a warm database), driver loading and initialization.
"""

from __future__ import annotations

import argparse
import resource
import time

T_START = time.perf_counter()

from benchmarks.plugin_setup import Ranges, make_groups  # noqa: E402
from benchmarks.probe import emit  # noqa: E402
from ml2core import Ml2Plugin  # noqa: E402
from ml2core.testing.config import make_conf  # noqa: E402


def main() -> None:
    import_s = time.perf_counter() - T_START
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    Ranges.add_arguments(parser)
    args = parser.parse_args()
    ranges = Ranges.from_namespace(args)
    t0 = time.perf_counter()
    conf = make_conf(**make_groups(ranges))
    t1 = time.perf_counter()
    plugin = Ml2Plugin(conf, db_url=args.url)
    t2 = time.perf_counter()
    plugin.close()
    emit(
        {
            "ranges": ranges.label(),
            "construct_s": t2 - t1,
            "conf_s": t1 - t0,
            "import_s": import_s,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )


if __name__ == "__main__":
    main()
