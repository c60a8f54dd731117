"""Vocabularies and encoders: which tokenizer a model uses and how text becomes token ids."""
