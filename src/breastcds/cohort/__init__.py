"""Cohort engine: the same knowledge base and model code over whole populations.

One row per patient/tumour episode (:mod:`.schema`), read lazily from Parquet, CSV or NDJSON
(:mod:`.io`), checked row by row into an error table (:mod:`.validate`), turned into the case
facts as polars expressions (:mod:`.facts`) and evaluated by the compiled option rules,
radiotherapy-omission criteria and the vectorised PREDICT core (:mod:`.engine`), on one machine
or over Parquet partitions with Dask (:mod:`.dask_engine`). See docs/cohort.md.
"""
