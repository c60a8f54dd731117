"""Token counting support, grouped by the question each subpackage answers.

* ``models``: which models ftdata supports (context length, tokenizer family, template);
* ``encoding``: which tokenizer a model uses and how text becomes token ids;
* ``chat_templates``: how a conversation is rendered to the text a model trains on;
* ``counting``: what each example counts, as llm-foundry sees it, and the statistics.
"""
