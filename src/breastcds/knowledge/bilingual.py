"""Reader-facing knowledge text carries its Simplified Chinese beside the English.

A schema declares a text reader-facing by giving it a sibling field ``<name>_zh`` (a string, or
a list of the same length for a list of texts). :class:`Bilingual` refuses a model in which such
an English text is present and its Chinese is not, naming both fields, so a new criterion,
caveat or note without its Chinese fails when the file is loaded. Citations (``source``),
identifiers, verification records and proper names of trials and guideline bodies have no
``_zh`` field: they are shown as written.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["ZH", "Bilingual", "EnZh", "missing_zh"]

#: Suffix of the field that carries a text's Simplified Chinese (``x`` -> ``x_zh``).
ZH = "_zh"


def missing_zh(model: BaseModel) -> list[str]:
    """Fields of ``model`` whose English text is present and whose ``_zh`` is not."""
    out: list[str] = []
    fields = type(model).model_fields
    for name in fields:
        zname = f"{name}{ZH}"
        if name.endswith(ZH) or zname not in fields:
            continue
        en, zh = getattr(model, name), getattr(model, zname)
        if isinstance(en, str) and en.strip() and not (isinstance(zh, str) and zh.strip()):
            out.append(f"{name!r} needs {zname!r} (Simplified Chinese)")
        elif isinstance(en, list) and en:
            ok = (
                isinstance(zh, list)
                and len(zh) == len(en)
                and all(isinstance(z, str) and z.strip() for z in zh)
            )
            if not ok:
                out.append(f"{name!r} needs {zname!r}: one Chinese text per item ({len(en)})")
    return out


class Bilingual(BaseModel):
    """A schema model whose ``x`` / ``x_zh`` text pairs must both be given."""

    @model_validator(mode="after")
    def _zh_beside_en(self) -> Bilingual:
        problems = missing_zh(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self


class EnZh(BaseModel):
    """A reader-facing text given as a pair, English and Simplified Chinese (both required)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)
