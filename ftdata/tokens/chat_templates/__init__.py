"""Chat templates: which template a run uses, the Jinja sandbox it renders in, the fast renderers."""
