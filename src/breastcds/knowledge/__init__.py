"""Reviewed clinical knowledge (YAML data files) with schemas validated at load time."""

from breastcds.knowledge.loader import knowledge_version, load_yaml

__all__ = ["knowledge_version", "load_yaml"]
