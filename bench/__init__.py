"""The reproducible benchmark of the search engine (``make bench``, ``make bench-quick``).

``run``        the command: corpus, rebuild, latencies, load, relevance, results JSON
``workload``   the committed query list and the judged queries, read from their files
``corpus``     the private database and index of a run under ``bench/work/``
``engine``     timings of the search engine, in process and through the Flask test client
``fts``        the SQLite FTS5 baseline built over the same corpus, queried the same way
``load``       ``/recherche`` under concurrent load through gunicorn (loopback only)
``relevance``  nDCG@10 over the two judged sets (demo, realistic), engine and FTS5 baselines
``report``     the Markdown table of ``docs/performance.md`` from a results file
"""
