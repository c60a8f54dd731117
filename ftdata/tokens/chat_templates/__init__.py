"""Chat templates: which template a run uses, its Jinja sandbox, the fast renderers."""
