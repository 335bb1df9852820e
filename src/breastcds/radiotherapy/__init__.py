"""breastcds.radiotherapy: clinical radiotherapy decisions (omission, fractionation, boost).

The dose physics (DICOM, DVH, LQ, accumulation, re-irradiation dose maths) is in
:mod:`breastcds.dose`.
"""
