"""TX: rules for continued pre-training corpora (folders of ``.txt`` files).

The text source reports these while it reads each file (one file is one document).
"""

from __future__ import annotations

from ftdata.rules.registry import declare

PRETRAINING = ("pretraining",)

NOT_UTF8 = declare(
    "TX001",
    "text-not-utf8",
    severity="error",
    tasks=PRETRAINING,
    hint="Re-encode the file as UTF-8; training cannot decode it.",
    doc="""The file is not valid UTF-8 (the finding names the first bad line).

    Bad:  ``notes.txt`` saved as Windows-1252
    Good: ``notes.txt`` saved as UTF-8""",
)
EMPTY_DOCUMENT = declare(
    "TX002",
    "empty-document",
    severity="warning",
    tasks=PRETRAINING,
    hint="Remove the empty file; it adds nothing to training.",
    doc="""The file is empty or holds only white space.

    Bad:  a 0-byte ``chapter-3.txt``
    Good: a file with the document's text""",
)
FILE_SIZE = declare(
    "TX003",
    "file-size-outside-range",
    severity="warning",
    tasks=PRETRAINING,
    hint="Concatenate small files or split large ones into 60-256 MB files.",
    doc="""The file is outside the 60-256 MB size the service recommends (over 1 GB processes slowly).

    Bad:  ten thousand 2 KB files, or one 3 GB file
    Good: files of 60-256 MB, split on document boundaries""",
)
NO_TEXT_FILES = declare(
    "TX004",
    "no-text-files",
    severity="error",
    tasks=PRETRAINING,
    hint="Continued pre-training reads .txt files; put the corpus in .txt files in this folder.",
    doc="""The folder holds no ``.txt`` file at all.

    Bad:  a folder of ``.md`` and ``.pdf`` files
    Good: a folder (with sub-folders) of ``.txt`` files""",
)
IGNORED_FILE = declare(
    "TX005",
    "ignored-file",
    severity="info",
    tasks=PRETRAINING,
    hint="Only .txt files are read; rename the file if it belongs to the corpus.",
    doc="""A file in the corpus folder is not a ``.txt`` file and is ignored.

    Bad:  ``corpus/readme.md`` (silently left out of training)
    Good: ``corpus/readme.txt`` if it is part of the corpus""",
)
