"""breastcds.classify."""
