"""breastcds.prognosis: prognostic models (pure functions; file I/O only in ``batch``).

* ``predict`` - PREDICT Breast v2.2 and v3.2, vectorised over patients
  (``predict.v32(PredictInputs) -> PredictResult``, ``predict.v22``, ``predict.iter_chunks``);
* ``npi`` - Nottingham Prognostic Index with Blamey 2007 and classic groups;
* ``cts5`` - CTS5 late distant recurrence score (Dowsett et al., J Clin Oncol 2018);
* ``batch`` - CSV/Parquet adapter behind ``breastcds predict``.
"""
