"""Views: a Result or an example rendered as a string (HTML pages, SVG plots, the show view).

They return text and never write it: reporters and the command line do. Core
code (``Result.to_html``) may use them, as they depend on nothing above the core.
"""
