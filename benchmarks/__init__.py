"""asv benchmark suite of nemos-bench (see ``asv.conf.json`` and ``common.py``)."""
