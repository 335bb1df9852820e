"""breastcds.dose: radiation dose physics.

DICOM RT input/output (``dicom``), dose-volume histograms (``dvh``), the linear-quadratic model
(``lq``), voxel-wise EQD2 accumulation of courses (``accumulate``) and the re-irradiation dose
assessment (``reirradiation``, its DICOM adapter ``reirradiation_dicom`` and its assessment
section ``reirradiation_section``). The clinical radiotherapy decisions (omission,
fractionation, boost) are in :mod:`breastcds.radiotherapy`.
"""
