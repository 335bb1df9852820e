"""breastcds.model."""
