"""Plain-language questions → SemanticQuery: the built-in parser, the LLM engine, and their evaluation."""
