"""The version of ftdata, in a module of its own so that any module can read it without
importing the package facade (``ftdata/__init__``), which sits above everything."""

__version__ = "0.1.0"
