"""breastcds.knowledge."""
