"""The rule language: expression trees, their interpreter and their polars compiler.

In the ground layer and importing nothing of the package, so that every layer above can run
it: the case model (its consistency checks, ``knowledge/consistency.yaml``) and the knowledge
layer (derived facts, ``knowledge/derived_facts.yaml``). What a tree may name is checked by the
loader of the file holding it (case paths, registered facts, drug classes).
"""
