"""Counting: examples to token counts as llm-foundry sees them, and the per-task statistics."""
