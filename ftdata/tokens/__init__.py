"""Token counting support: the model registry, chat templates and their rendering."""
