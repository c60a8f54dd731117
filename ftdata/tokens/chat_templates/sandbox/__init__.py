"""The sandbox a chat template renders in: its Jinja environment, budget, guards and hooks."""
