"""breastcds.radiotherapy."""
