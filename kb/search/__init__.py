"""Full-text search: Whoosh schema and French analysis, outbox sync, queries, facets.

``analysis``/``synonyms``/``schema``   how text is indexed and matched (defined once)
``documents``                          write-up → index document
``store``/``sync``/``indexer``         index directory, outbox sync, rebuild, check, app hooks
``searchers``/``facets``               reused searchers, cached per-segment facet bitsets
``matching``/``ranking``               matches as bitsets from posting lists, BM25F on candidates
``parsing``/``params``/``queries``     query text and URL parameters → results
``snippets``/``suggestions``           highlighted passages, did-you-mean, place detection
``comparables``                        comparable projects
``views``/``api``/``cli``              ``/recherche``, ``/api/v1/experiences``, ``kb index``
"""
