"""The error of a template that rejects or fails on one conversation.

In a module of its own, free of Jinja and hashing, so that code which only
catches it (counting, the checking core's start-up path) does not load the renderer.
"""

from __future__ import annotations


class TemplateRenderError(Exception):
    """A chat template rejected or failed on one conversation.

    This is a property of the data, not a failure of ftdata, so it is not an
    ``FtdataError``. ``message`` is the template's own text (for example
    Mistral's "conversation roles must alternate ..."); ``raised_by_template``
    is true when the template called ``raise_exception`` itself, false when it
    broke (a missing key, a type error).
    """

    def __init__(self, message: str, *, raised_by_template: bool) -> None:
        super().__init__(message)
        self.message = message
        self.raised_by_template = raised_by_template
