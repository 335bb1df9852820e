"""breastcds.cli."""
