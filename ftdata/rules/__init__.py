"""Rules: the registry and the rule families (LD, SC, CH, PR, TX, TK, DS, FT)."""
