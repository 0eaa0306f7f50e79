"""The search operation alone on an existing corpus, twice over the query list (result pages
cleared before each pass): ``python -m bench.operation --dir bench/work/n10000``.

For a quick before/after of a search change without rebuilding the corpus (``make bench``
remains the reference)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from bench import engine
from bench.run import make_app
from bench.stats import summary
from bench.workload import read_searches


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args(argv)
    app = make_app(args.dir.resolve())
    searches = read_searches()
    engine.search_operation(app, searches[0])
    result = {"load_average_before": os.getloadavg()}
    for name in ("first_pass", "second_pass"):
        engine.clear_result_pages(app)
        result[name] = summary(engine.time_operation(app, searches))
    result["load_average_after"] = os.getloadavg()
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
