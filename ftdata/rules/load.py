"""LD: problems found while reading and parsing input lines.

These rules have no per-example check: the JSONL reader reports them, because
a line that does not parse never becomes an example.
"""

from __future__ import annotations

from ftdata.rules.registry import declare

JSONL = ("chat", "instruction")

INVALID_JSON = declare(
    "LD001",
    "invalid-json",
    severity="error",
    tasks=JSONL,
    hint="Write one complete JSON object per line; check quotes, commas and brackets.",
    doc="""The line is not valid JSON.

    Bad:  ``{"messages": [{"role": "user", "content": "hi"}``
    Good: ``{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}``""",
)
NOT_OBJECT = declare(
    "LD002",
    "line-not-object",
    severity="error",
    tasks=JSONL,
    hint="Each line must be one JSON object, not an array, string or number.",
    doc="""The line is valid JSON but not an object.

    Bad:  ``[{"role": "user", "content": "hi"}]``
    Good: ``{"messages": [{"role": "user", "content": "hi"}, ...]}``""",
)
INVALID_UTF8 = declare(
    "LD003",
    "invalid-utf8",
    severity="error",
    tasks=JSONL,
    hint="Re-encode the file as UTF-8 (e.g. iconv -f latin1 -t utf-8).",
    doc="""The line contains bytes that are not valid UTF-8.

    Bad:  a line saved in Latin-1 with ``caf\\xe9``
    Good: the same line saved as UTF-8 (``café``)""",
)
TRUNCATED = declare(
    "LD004",
    "truncated-last-line",
    severity="error",
    tasks=JSONL,
    hint="The file seems cut off; re-export or re-copy it completely.",
    doc="""The last line has no newline and does not parse: the file was cut short.

    Bad:  a file ending in ``{"prompt": "2+2?", "resp``
    Good: a file whose last line is a complete object""",
)
NON_JSON_NUMBER = declare(
    "LD005",
    "nan-or-infinity",
    severity="error",
    tasks=JSONL,
    hint="Replace NaN/Infinity with null or a string; they are not JSON.",
    doc="""The line uses ``NaN`` or ``Infinity``, which JSON does not allow.

    Bad:  ``{"prompt": "x", "response": "y", "score": NaN}``
    Good: ``{"prompt": "x", "response": "y"}``""",
)
DUPLICATE_KEY = declare(
    "LD006",
    "duplicate-key",
    severity="error",
    tasks=JSONL,
    hint="Remove the repeated key; parsers silently keep only one of the values.",
    doc="""An object in the line repeats a key.

    An error in both profiles, because training fails on it: Python's ``json``
    would keep the last value, but llm-foundry reads JSONL through the
    ``datasets`` JSON builder (pyarrow), which rejects the repeated key and
    fails the whole file.

    Bad:  ``{"prompt": "a", "prompt": "b", "response": "c"}``
    Good: ``{"prompt": "b", "response": "c"}``""",
)
TOO_DEEP = declare(
    "LD007",
    "nesting-too-deep",
    severity="error",
    tasks=JSONL,
    hint="Flatten the structure; no fine-tuning example needs this much nesting.",
    doc="""The line nests arrays or objects too deeply to parse safely.

    Bad:  ``[[[[...]]]]`` a thousand levels deep
    Good: ``{"messages": [...]}``""",
)
LINE_TOO_LONG = declare(
    "LD008",
    "line-too-long",
    severity="error",
    tasks=JSONL,
    hint="Split the example or raise --max-line-bytes; no context window holds this much text.",
    doc="""The line is longer than ``--max-line-bytes`` (default 32 MiB) and was not parsed.

    Bad:  a single 100 MB line
    Good: examples that fit the model's context length""",
)
BLANK_LINE = declare(
    "LD009",
    "blank-line",
    severity="warning",
    tasks=JSONL,
    hint="Remove empty lines; some loaders treat them as broken examples.",
    doc="""The line is empty or white space only.

    Bad:  an empty line between two examples
    Good: one example per line, no empty lines""",
)
BOM = declare(
    "LD010",
    "byte-order-mark",
    severity="warning",
    tasks=JSONL,
    hint="Save the file as UTF-8 without BOM.",
    doc="""The file starts with a UTF-8 byte-order mark.

    Bad:  a file starting with the bytes EF BB BF
    Good: the same file without them""",
    fix="safe",
)
EMPTY_FILE = declare(
    "LD011",
    "empty-file",
    severity="error",
    tasks=JSONL,
    hint="Remove the empty file or fill it with examples.",
    doc="""The file holds no examples at all.

    Bad:  a 0-byte ``train.jsonl``
    Good: a file with one JSON object per line""",
)
UNREADABLE = declare(
    "LD012",
    "unreadable-data",
    severity="error",
    tasks=("chat", "instruction", "pretraining"),
    hint="Check that the file is complete and that its compression matches its name.",
    doc="""Reading stopped part-way: a compressed stream is corrupt or an I/O error occurred.

    Bad:  ``data.jsonl.gz`` cut short during a copy
    Good: a complete ``data.jsonl.gz``""",
)
ROW_COUNT_MISMATCH = declare(
    "LD013",
    "row-count-mismatch",
    severity="error",
    tasks=JSONL,
    hint="Rows were lost or added while reading; re-run, and check the table's data files.",
    doc="""The rows read from a table, or a data file's size, differ from what its Delta log says.

    Bad:  the log declares 1,000 rows for a data file and 990 were read, or
    declares 965 bytes for a file that now has 641 (it was replaced)
    Good: every row the log declares is read and checked""",
)
UNSTABLE_ROW_NUMBERS = declare(
    "LD014",
    "scan-order-row-numbers",
    severity="info",
    tasks=JSONL,
    hint="Pass --id-column with a unique key column so each finding names its row.",
    doc="""Rows of this table are numbered in scan order, which may differ between reads.

    Bad:  a table with deletion vectors or column mapping checked without ``--id-column``
    Good: ``ftdata validate table --id-column id``""",
)
WALKED_ONCE = declare(
    "LD015",
    "read-once",
    severity="info",
    tasks=("chat", "instruction", "pretraining"),
    hint="Remove the link if it was not meant to be there; each real file is read only once.",
    doc="""A folder or file reached again through a link was skipped: each real file is read once.

    Bad:  ``ln -s . data/self`` (every file would be read again through ``data/self``, forever)
    Good: a folder without links back into itself""",
)
NOT_REGULAR_FILE = declare(
    "LD016",
    "not-a-regular-file",
    severity="info",
    tasks=("chat", "instruction", "pretraining"),
    hint="Move FIFOs, devices and sockets out of the data folder; they are never read.",
    doc="""An entry in a folder is a FIFO, device or socket, not a regular file, and was skipped.

    Bad:  ``mkfifo data/live.jsonl`` (reading it would wait forever)
    Good: ``data/live.jsonl`` written as a regular file""",
)
CR_LINE_ENDS = declare(
    "LD017",
    "cr-line-ends",
    severity="error",
    tasks=JSONL,
    profiles=("databricks",),
    hint="Convert the line ends to LF, e.g. tr '\\r' '\\n' < in.jsonl > out.jsonl.",
    doc="""The file ends its lines with a carriage return only (CR, classic Mac line ends).

    ftdata splits such a file at CR and checks every line. Hugging Face
    datasets (llm-foundry) reads such lines too, but pandas
    ``read_json(lines=True)``, which the Databricks service uses for JSONL
    files, fails on them: under the ``databricks`` profile each line is an error.

    Bad:  ``{"prompt": "a", "response": "b"}\\r{"prompt": "c", "response": "d"}\\r``
    Good: the same lines ended by ``\\n`` (or ``\\r\\n``)""",
)
NUMBER_TOO_LONG = declare(
    "LD018",
    "integer-too-long",
    severity="error",
    tasks=JSONL,
    hint="Write the number as a string; Python and the training loaders cannot read it as an int.",
    doc="""The line is valid JSON but holds an integer longer than Python converts (4,300 digits).

    Bad:  ``{"prompt": "a", "response": "b", "id": 99999...}`` with 5,000 digits
    Good: ``{"prompt": "a", "response": "b", "id": "99999..."}``""",
)
