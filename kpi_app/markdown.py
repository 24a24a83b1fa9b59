"""Data-derived text shown literally in Streamlit markdown."""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def md_escape(text: str) -> str:
    """Text shown literally in Streamlit markdown (no links, images, emphasis or HTML).

    >>> md_escape("![x](http://evil/a.png) <b>")
    '\\\\!\\\\[x\\\\]\\\\(http\\\\://evil/a\\\\.png\\\\) \\\\<b\\\\>'
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


__all__ = ["md_escape"]
