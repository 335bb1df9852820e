"""breastcds.prognosis."""
